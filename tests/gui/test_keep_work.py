"""Nothing that cancels running work happens without asking: closing the window, Model → Unload."""

from __future__ import annotations

from gui_fakes import speechy
from PySide6.QtCore import Qt


def _start_job(qtbot, w, gate):
    w.voice_panel.set_audio(speechy(4.0, 24000), 24000)
    w.voice_panel.transcript.setPlainText("hello there")
    qtbot.waitUntil(lambda: w.voice_panel.checks.text() != "", timeout=10000)
    w.text_panel.editor.setPlainText("今天天气很好，我们一起去公园散步吧。" * 3)
    qtbot.mouseClick(w.generate_panel.generate_button, Qt.LeftButton)
    qtbot.waitUntil(gate["inside"].is_set, timeout=60000)
    assert w.session.running


def test_closing_during_a_job_asks_and_keep_working_keeps_it(qtbot, make_window, tiny_checkpoint, llm_gate):
    gate = llm_gate(at_step=3)
    w = make_window(model_dir=tiny_checkpoint, load=True)
    _start_job(qtbot, w, gate)
    asked = []
    w.ask_stop_work = lambda action: asked.append(action) or False  # "Keep working"
    w.close()
    assert asked == ["close"]
    assert w.isVisible() and not w.closed and w.session.running
    w.unload_model()
    assert asked == ["close", "unload"] and w.session.running

    w.ask_stop_work = lambda action: asked.append(action) or True  # "Stop and close"
    gate["release"].set()
    w.close()
    assert asked[-1] == "close"
    assert w.closed and not w.client.thread.isRunning()


def test_closing_when_idle_does_not_ask(qtbot, make_window):
    w = make_window()
    w.ask_stop_work = lambda action: (_ for _ in ()).throw(AssertionError("asked while idle"))
    w.close()
    assert w.closed
