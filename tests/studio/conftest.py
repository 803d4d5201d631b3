"""Fixtures for the studio tests: a library in a temporary folder and a studio over it."""

from __future__ import annotations

import numpy as np
import pytest
from studio_fakes import DeterministicEngine

from glmtts_desktop.library import Library
from glmtts_desktop.studio import Studio
from tests.conftest import voice_like


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "lib", app_version="9.9.9-test")
    yield library
    library.close()


@pytest.fixture
def engine():
    return DeterministicEngine()


@pytest.fixture
def studio(lib, engine):
    return Studio(lib, engine, model_revision="rev-test")


@pytest.fixture
def clip_audio() -> tuple[np.ndarray, int]:
    return voice_like(3.0, 16000), 16000
