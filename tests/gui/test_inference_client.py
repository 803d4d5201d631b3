"""The inference thread: job ids, one terminal signal per job, cancel, shutdown (fake engine)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from gui_fakes import FakeEngine, fake_factory

from glmtts_desktop.engine.errors import CheckpointError, GpuOutOfMemoryError
from glmtts_desktop.gui.inference import EngineClient, GenerateJob, NormalizeJob
from glmtts_desktop.gui.inference.client import FAILED, READY, UNLOADED
from glmtts_desktop.studio import Clip, GenerationSettings


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


def _job(seed: int = 0) -> GenerateJob:
    clip = Clip(np.zeros(24000, np.float32), 24000, "嗯")
    return GenerateJob(
        text="你好。", voice=clip, settings=GenerationSettings(seed=seed), consent_acknowledged=True
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


@pytest.mark.parametrize("same_weights", [True, False])
def test_a_restarted_client_reuses_the_analysis_only_for_the_same_weights(qtbot, tmp_path, same_weights):
    from glmtts_desktop.library import Library
    from glmtts_desktop.studio import Studio

    counts = []
    for run in range(2):
        engine = FakeEngine(steps=2)
        if run == 1 and not same_weights:
            engine.model_fingerprint = "other-weights"
        with Library(tmp_path / "lib") as lib:
            client = EngineClient(engine_factory=fake_factory(engine), studio=Studio(lib))
            with qtbot.waitSignal(client.stateChanged, check_params_cb=lambda s: s == READY, timeout=5000):
                client.load(tmp_path)
            with qtbot.waitSignal(client.jobFinished, timeout=5000):
                client.submit(_job())
            counts.append(engine.prepared)
            assert client.shutdown(10000)
    assert counts == ([1, 0] if same_weights else [1, 1])


def test_generation_is_stored_by_the_worker_and_again_keeps_its_sample_rate(qtbot, tmp_path):
    from glmtts_desktop.gui.inference import RegenerateJob
    from glmtts_desktop.library import Library
    from glmtts_desktop.studio import Studio

    class TwoRates(FakeEngine):
        def available_sample_rates(self):
            return (24000, 32000)

        def set_sample_rate(self, sample_rate: int) -> None:
            self.sample_rate = sample_rate

    engine = TwoRates(steps=2)
    with Library(tmp_path / "lib") as lib:
        client = EngineClient(engine_factory=fake_factory(engine), studio=Studio(lib))
        try:
            with qtbot.waitSignal(client.stateChanged, check_params_cb=lambda s: s == READY, timeout=5000):
                client.load(tmp_path)
            job = GenerateJob(
                text="你好。",
                voice=Clip(np.zeros(24000, np.float32), 24000, "嗯", "Aunt"),
                settings=GenerationSettings(seed=9, sample_rate=32000),
                consent_acknowledged=True,
            )
            with qtbot.waitSignal(client.jobFinished, timeout=5000) as first:
                client.submit(job)
            record = first.args[1].record
            assert record is not None and lib.get_generation(record.id).sample_rate == 32000
            assert client.model_info.sample_rate == 32000  # the status bar follows the switch
            engine.set_sample_rate(24000)
            with qtbot.waitSignal(client.jobFinished, timeout=5000) as again:
                client.submit(RegenerateJob(generation_id=record.id))
            out = again.args[1]
            assert out.record.id != record.id and out.record.sample_rate == 32000 and out.record.seed == 9
            assert [g.voice_name for g in lib.list_generations()] == ["Aunt", "Aunt"]
        finally:
            assert client.shutdown(10000)
