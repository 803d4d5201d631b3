"""Fixtures for the library tests."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from library_helpers import tone

from glmtts_desktop.library import Library


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "lib", app_version="9.9.9-test")
    yield library
    library.close()


@pytest.fixture
def original_wav(tmp_path):
    """A stereo 44.1 kHz 'voicemail' with extra RIFF tags: bytes that must survive untouched."""
    path = tmp_path / "Grandma voicemail.WAV"
    x = np.stack([tone(5.0, 44100), tone(5.0, 44100, 330)], axis=1)
    with sf.SoundFile(path, "w", samplerate=44100, channels=2, subtype="PCM_16") as f:
        f.title = "voicemail 2009"
        f.write(x)
    return path
