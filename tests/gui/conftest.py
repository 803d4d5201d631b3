"""Qt runs offscreen; each test gets its own app data dir and QSettings scope."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """QSettings go to a temp folder so tests never touch the user's real settings."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "settings"))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):  # wizard state, default folders
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    yield


@pytest.fixture
def make_window(qtbot, tmp_path):
    """Build the real main window (real EngineClient and library) with a fake audio backend."""
    from pathlib import Path

    from glmtts_desktop.audio import FakeBackend
    from glmtts_desktop.gui.app import create_main_window

    windows = []

    def make(*, model_dir=None, backend=None, data_dir=None, show_wizard_on_failure=False, load=False):
        w = create_main_window(
            data_dir=Path(data_dir or tmp_path / "data"),
            model_dir=model_dir,
            backend=backend if backend is not None else FakeBackend(),
            show_wizard_on_failure=show_wizard_on_failure,
        )
        # pytest-qt closes added widgets before fixture teardown: a window closed with a job
        # still running (a failed test) would wait forever on the modal "Stop the running
        # work?" box. Tests about that question replace this on the instance themselves.
        w.ask_stop_work = lambda _action: True
        qtbot.addWidget(w)
        windows.append(w)
        w.show()
        if load:
            with qtbot.waitSignal(
                w.client.stateChanged, check_params_cb=lambda s: s in ("ready", "failed"), timeout=60000
            ):
                w.load_model()
        return w

    make.windows = windows  # type: ignore[attr-defined]
    yield make
    for w in windows:
        w.close()
        assert not w.client.thread.isRunning(), "inference thread left running after close"
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    for w in windows:
        w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    windows.clear()
    gc.collect()


@pytest.fixture(autouse=True)
def _no_blocking_questions(monkeypatch):
    """A modal question box would block an offscreen test forever. Tests that are about a
    question patch ``ask_choice`` themselves (see test_voices_view.Answers); everywhere else the
    consent question is answered "go on" (the person may use this voice) and any other question
    is cancelled, so a test never waits on a box nobody can press."""
    from glmtts_desktop.gui.voices import ask

    def answer(parent, title, text, choices, *, detail=""):
        keys = [k for k, _ in choices]
        return "continue" if "continue" in keys else keys[-1] if keys else None

    monkeypatch.setattr(ask, "ask_choice", answer)


@pytest.fixture
def llm_gate(make_window, monkeypatch):
    """``llm_gate(at_step, segment=0)`` holds the real LLM inside the ``at_step``-th decode step
    of segment ``segment`` (0-based) until the test sets ``gate["release"]``.

    Why it also lets go when a window closes: pytest-qt closes the windows of a failed test
    before any fixture teardown, and closing waits for the worker thread, so a worker still held
    here made the whole run hang. The teardown releases whatever is left as well.
    """
    import threading

    from glmtts_desktop.engine.llm import SpeechLM

    gates: list[dict] = []
    real_step, real_prefill = SpeechLM.decode_step, SpeechLM.prefill

    def closing() -> bool:
        return any(w.closed for w in make_window.windows)

    def install(at_step: int, segment: int = 0) -> dict:
        state = {"steps": 0, "segment": -1, "inside": threading.Event(), "release": threading.Event()}

        def prefill(self, *args, **kwargs):
            state["segment"] += 1
            state["steps"] = 0
            return real_prefill(self, *args, **kwargs)

        def gated(self, *args, **kwargs):
            state["steps"] += 1
            if state["segment"] == segment and state["steps"] == at_step:
                state["inside"].set()
                while not state["release"].wait(0.05) and not closing():
                    pass
            return real_step(self, *args, **kwargs)

        monkeypatch.setattr(SpeechLM, "prefill", prefill)
        monkeypatch.setattr(SpeechLM, "decode_step", gated)
        gates.append(state)
        return state

    yield install
    for state in gates:
        state["release"].set()
