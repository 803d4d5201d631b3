"""Engine.close(): the models are really let go, and the engine says so instead of crashing."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from glmtts_desktop.engine import Engine, EngineConfig
from glmtts_desktop.engine.errors import EngineClosedError


def test_close_releases_every_model_and_later_use_raises_a_typed_error(tiny_checkpoint):
    engine = Engine.load(EngineConfig(tiny_checkpoint, device="cpu"))
    mel = np.zeros((80, 10), np.float32)
    assert engine.vocode(mel).size > 0  # usable before
    models = [engine.llm, engine.flow, engine.vocoder, engine.speech_tokenizer, engine.speaker_encoder]
    refs = [weakref.ref(m) for m in models]
    del models
    engine.close()
    gc.collect()
    assert engine.is_closed
    assert [r() for r in refs] == [None] * len(refs)  # nothing else kept them alive
    with pytest.raises(EngineClosedError) as info:
        engine.vocode(mel)
    assert "unloaded" in info.value.user_text()
    with pytest.raises(EngineClosedError):
        engine.speech_tokens(np.zeros(16000, np.float32), 16000)
    with pytest.raises(EngineClosedError):
        engine.set_sample_rate(24000)
