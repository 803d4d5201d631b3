"""The inference thread: job ids, one terminal signal per job, cancel, shutdown (fake engine)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from gui_fakes import FakeEngine, fake_factory

from glmtts_desktop.engine.errors import CheckpointError, GpuOutOfMemoryError
from glmtts_desktop.gui.inference import EngineClient, GenerateJob, NormalizeJob
from glmtts_desktop.gui.inference.client import FAILED, READY, UNLOADED


class Recorder:
    """Collects terminal signals per job id."""

    def __init__(self, client: EngineClient) -> None:
        self.ends: dict[int, list[str]] = {}
        self.results: dict[int, object] = {}
        self.progress: list[float] = []
        client.jobFinished.connect(lambda j, r: self._end(j, "finished", r))
        client.jobFailed.connect(lambda j, e: self._end(j, "failed", e))
        client.jobCancelled.connect(lambda j: self._end(j, "cancelled", None))
        client.jobProgress.connect(lambda j, p: self.progress.append(p.fraction))

    def _end(self, jid, kind, payload):
        self.ends.setdefault(jid, []).append(kind)
        self.results[jid] = payload


@pytest.fixture
def make_client(qtbot):
    clients = []

    def make(engine: FakeEngine) -> EngineClient:
        c = EngineClient(engine_factory=fake_factory(engine))
        clients.append(c)
        return c

    yield make
    for c in clients:
        assert c.shutdown(10000)
        assert not c.thread.isRunning()


def _job(**kw) -> GenerateJob:
    return GenerateJob(
        text="你好。", reference=np.zeros(24000, np.float32), reference_sr=24000, transcript="嗯", **kw
    )


def test_load_generate_and_thread_is_not_gui_thread(qtbot, make_client, tmp_path):
    engine = FakeEngine(steps=50)
    client = make_client(engine)
    rec = Recorder(client)
    with qtbot.waitSignal(client.stateChanged, check_params_cb=lambda s: s == READY, timeout=5000):
        load_id = client.load(tmp_path)
    assert client.model_info.device == "fake-cpu"
    with qtbot.waitSignal(client.jobFinished, timeout=5000) as blocker:
        jid = client.submit(_job(seed=7))
    assert jid != load_id and blocker.args[0] == jid
    out = blocker.args[1]
    assert out.result.seed == 7 and out.result.audio.dtype == np.float32
    assert rec.ends == {load_id: ["finished"], jid: ["finished"]}
    assert engine.thread_names and all(n != threading.main_thread().name for n in engine.thread_names)
    # throttled: 50 steps inside a few ms give far fewer signals, but the last one is 1.0
    assert 1 <= len(rec.progress) < 50 and rec.progress[-1] == 1.0


def test_voice_analysis_is_cached_between_generations(qtbot, make_client, tmp_path):
    engine = FakeEngine(steps=2)
    client = make_client(engine)
    with qtbot.waitSignal(client.stateChanged, timeout=5000):
        client.load(tmp_path)
    for seed in (1, 2):
        with qtbot.waitSignal(client.jobFinished, timeout=5000):
            client.submit(_job(seed=seed))
    assert engine.prepared == 1


def test_cancel_mid_generation_gives_exactly_one_cancelled(qtbot, make_client, tmp_path):
    gate = threading.Event()  # never set: the fake engine keeps working until cancelled
    engine = FakeEngine(steps=10**9, gate=gate)
    client = make_client(engine)
    rec = Recorder(client)
    with qtbot.waitSignal(client.stateChanged, timeout=5000):
        client.load(tmp_path)
    with qtbot.waitSignal(client.jobStarted, timeout=5000):
        jid = client.submit(_job())
    qtbot.waitUntil(lambda: len(rec.progress) > 0, timeout=5000)
    with qtbot.waitSignal(client.jobCancelled, timeout=1000):
        client.cancel(jid)
    # a follow-up job still runs: the worker survived the cancel
    with qtbot.waitSignal(client.jobFinished, timeout=5000):
        nid = client.submit(NormalizeJob(text="一。二☃。"))
    assert rec.ends[jid] == ["cancelled"]
    preview = rec.results[nid]
    assert preview.segments == ("一", "二☃") and preview.unspeakable == ("☃",)


def test_load_failure_sets_failed_state_with_message(qtbot, make_client, tmp_path):
    client = make_client(FakeEngine())
    with qtbot.waitSignal(client.jobFailed, timeout=5000) as blocker:
        client.load(tmp_path / "gone")
    err = blocker.args[1]
    assert isinstance(err, CheckpointError) and "gone" in err.user_text()
    assert client.state == FAILED and client.last_error is err


def test_a_foreign_oom_is_reported_as_such_and_the_next_job_runs(qtbot, make_client, tmp_path):
    import torch  # noqa: F401 - imported here, not inside the timed job (seconds on a busy machine)

    engine = FakeEngine(oom=True)  # raises torch.OutOfMemoryError itself, once
    client = make_client(engine)
    rec = Recorder(client)
    with qtbot.waitSignal(client.stateChanged, timeout=5000):
        client.load(tmp_path)
    with qtbot.waitSignal(client.jobFailed, timeout=5000) as blocker:
        first = client.submit(_job())
    err = blocker.args[1]
    assert isinstance(err, GpuOutOfMemoryError)  # not "an unexpected error"
    assert "out of memory" in err.user_text().lower() and "Tried to allocate" in err.detail
    assert client.state == READY
    with qtbot.waitSignal(client.jobFinished, timeout=5000):
        second = client.submit(_job())
    assert rec.ends[first] == ["failed"] and rec.ends[second] == ["finished"]


def test_generate_without_model_fails_clearly(qtbot, make_client):
    client = make_client(FakeEngine())
    with qtbot.waitSignal(client.jobFailed, timeout=5000) as blocker:
        client.submit(_job())
    assert "not loaded" in blocker.args[1].user_text()


def test_unload_then_shutdown_closes_engine_in_worker(qtbot, make_client, tmp_path):
    engine = FakeEngine()
    client = make_client(engine)
    with qtbot.waitSignal(client.stateChanged, check_params_cb=lambda s: s == READY, timeout=5000):
        client.load(tmp_path)
    with qtbot.waitSignal(client.stateChanged, check_params_cb=lambda s: s == UNLOADED, timeout=5000):
        client.unload()
    assert engine.closed and client.model_info is None


def test_shutdown_during_generation_stops_thread(qtbot, tmp_path):
    engine = FakeEngine(steps=10**9, gate=threading.Event())
    client = EngineClient(engine_factory=fake_factory(engine))
    with qtbot.waitSignal(client.stateChanged, timeout=5000):
        client.load(tmp_path)
    with qtbot.waitSignal(client.jobStarted, timeout=5000):
        client.submit(_job())
    assert client.shutdown(5000)
    assert not client.thread.isRunning() and engine.closed
