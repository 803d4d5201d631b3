"""The speech tokenizer and speaker model are loaded only when a voice is analysed."""

from __future__ import annotations

import numpy as np

from glmtts_desktop.engine import Engine, EngineConfig
from tests.conftest import voice_like


def test_loaded_on_demand_and_releasable(tiny_checkpoint):
    engine = Engine.load(EngineConfig(tiny_checkpoint, device="cpu"))
    assert engine.speech_tokenizer is None and engine.speaker_encoder is None  # saved voices need neither
    audio = voice_like(3.0, 16000)
    first = engine.prepare_voice(audio, 16000, "Hello there.")
    assert engine.speech_tokenizer is not None  # kept on the CPU, freed on a GPU
    engine.release_prompt_frontend()
    assert engine.speech_tokenizer is None and engine.speaker_encoder is None
    again = engine.prepare_voice(audio, 16000, "Hello there.")  # reloaded, same analysis
    np.testing.assert_array_equal(first.speech_ids, again.speech_ids)
    np.testing.assert_array_equal(first.embedding, again.embedding)
