"""After Engine.close() the engine object stays valid and says the model is unloaded.

(That close() really releases every model is tests/engine/test_engine_lifecycle.py's job.)
"""

from __future__ import annotations

import numpy as np
import pytest

from glmtts_desktop.engine import Engine, EngineConfig
from glmtts_desktop.engine.errors import EngineClosedError


def test_use_after_close_raises_a_typed_error_not_an_attribute_error(tiny_checkpoint):
    engine = Engine.load(EngineConfig(tiny_checkpoint, device="cpu"))
    mel = np.zeros((80, 10), np.float32)
    assert engine.vocode(mel).size > 0 and not engine.is_closed  # usable before
    engine.close()
    assert engine.is_closed
    with pytest.raises(EngineClosedError) as info:
        engine.vocode(mel)
    assert "unloaded" in info.value.user_text()
    with pytest.raises(EngineClosedError):
        engine.speech_tokens(np.zeros(16000, np.float32), 16000)
    with pytest.raises(EngineClosedError):
        engine.set_sample_rate(24000)
