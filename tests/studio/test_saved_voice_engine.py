"""On the real tiny engine: a saved voice reuses the analysis kept in the library (the speech
tokenizer does not run again, also after a restart) and speaks exactly like the clip it was
saved from, with the same seed."""

from __future__ import annotations

import numpy as np
import pytest

from glmtts_desktop.library import ConsentRecord, Library
from glmtts_desktop.studio import Clip, GenerationSettings, Studio
from tests.conftest import voice_like

TEXT = "Good morning, my dear."


@pytest.fixture
def tokenizer_calls(tiny_engine, monkeypatch):
    """Counts runs of the speech-tokenizer stage (it loads the tokenizer on demand)."""
    calls: list[int] = []
    real = tiny_engine.speech_tokens

    def counting(audio, sr):
        calls.append(len(audio))
        return real(audio, sr)

    monkeypatch.setattr(tiny_engine, "speech_tokens", counting)
    return calls


def test_saved_voice_skips_the_speech_tokenizer_and_sounds_like_its_clip(
    tiny_engine, tokenizer_calls, tmp_path
):
    samples, sr = voice_like(3.0, 16000, seed=4), 16000
    settings = GenerationSettings(seed=5, flow_steps=4)
    root = tmp_path / "lib"
    with Library(root) as lib:
        studio = Studio(lib, tiny_engine)
        from_clip = studio.generate(
            Clip(samples, sr, "Hello there."), TEXT, settings, consent_acknowledged=True
        )
        assert len(tokenizer_calls) == 1
        v = studio.add_voice(
            "Me", samples, sr, "Hello there.", consent=ConsentRecord(who="me", how="it is me")
        )
    with Library(root) as lib:  # a restart: nothing in memory
        studio = Studio(lib, tiny_engine)
        from_voice = studio.generate(v.id, TEXT, settings)
        again = studio.regenerate(from_voice.id)
    assert len(tokenizer_calls) == 1  # the saved voice never ran the speech tokenizer
    np.testing.assert_array_equal(from_voice.audio, from_clip.audio)
    np.testing.assert_array_equal(again.audio, from_clip.audio)
