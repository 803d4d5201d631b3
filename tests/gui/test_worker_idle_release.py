"""The inference worker asks the studio for a deep memory release once the app has been idle."""

from __future__ import annotations

import numpy as np
import pytest
from gui_fakes import FakeEngine, fake_factory

from glmtts_desktop.gui.inference import EngineClient, GenerateJob
from glmtts_desktop.gui.inference import worker as worker_module
from glmtts_desktop.gui.inference.client import READY
from glmtts_desktop.studio import Clip, GenerationSettings


@pytest.fixture
def client(qtbot, monkeypatch):
    monkeypatch.setattr(worker_module, "IDLE_RELEASE_AFTER_S", 0.05)
    c = EngineClient(engine_factory=fake_factory(engine := FakeEngine(steps=2)))
    c.fake_engine = engine  # type: ignore[attr-defined]
    yield c
    assert c.shutdown(10000)


def test_idle_engine_is_released_after_a_job(qtbot, client, tmp_path):
    engine = client.fake_engine
    with qtbot.waitSignal(client.stateChanged, check_params_cb=lambda s: s == READY, timeout=5000):
        client.load(tmp_path)
    clip = Clip(np.zeros(24000, np.float32), 24000, "嗯")
    job = GenerateJob(text="你好。", voice=clip, settings=GenerationSettings(), consent_acknowledged=True)
    with qtbot.waitSignal(client.jobFinished, timeout=5000):
        client.submit(job)
    assert False in engine.idle_releases  # the studio's light release after the job
    qtbot.waitUntil(lambda: True in engine.idle_releases, timeout=5000)  # then the idle one
