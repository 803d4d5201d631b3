"""The real window driven end to end on the tiny checkpoint with the real Engine.

Import a reference, type the text, add a pronunciation override, generate, find the result in
history with a waveform, replay it, export it, restart the app and find it again. The audio
backend is the fake one (no sound card here); the tiny checkpoint speaks noise, as expected.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import soundfile as sf
from gui_fakes import speechy
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from glmtts_desktop.audio import FakeBackend

pytestmark = pytest.mark.slow


def _select(editor, start: int, length: int) -> None:
    cur = editor.textCursor()
    cur.setPosition(start)
    cur.setPosition(start + length, QTextCursor.KeepAnchor)
    editor.setTextCursor(cur)


def test_full_flow_and_restart(qtbot, make_window, tiny_checkpoint, tmp_path):
    ref = tmp_path / "grandpa.wav"
    sf.write(ref, speechy(4.0, 22050), 22050)
    data = tmp_path / "data"
    backend = FakeBackend()
    w = make_window(model_dir=tiny_checkpoint, data_dir=data, backend=backend, load=True)
    assert w.client.state == "ready"
    assert "ready" in w.model_status.state_label.text().lower()
    assert "cpu" in w.model_status.device_label.text().lower()

    # 1. the reference: import, auto-trim happened, checks shown, transcript typed
    w.voice_panel.load_file(ref)
    qtbot.waitUntil(lambda: w.voice_panel.audio is not None, timeout=10000)
    qtbot.waitUntil(lambda: w.voice_panel.checks.text() != "", timeout=10000)
    assert w.voice_panel.waveform.has_audio()
    qtbot.keyClicks(w.voice_panel.transcript, "hello there")

    # 2. the text, with a "here only" reading for 行
    editor = w.text_panel.editor
    editor.setFocus()
    qtbot.keyClicks(editor, "OK ")
    editor.insertPlainText("行。")  # Chinese arrives by paste/IME, not key events, in offscreen Qt
    text = w.text_panel.text()
    _select(editor, text.index("行"), 1)
    qtbot.keyClick(editor, Qt.Key_F2)
    popup = w.text_panel._popup
    assert popup is not None and popup.isVisible()
    labels = [popup.list.item(i).text() for i in range(popup.list.count())]
    popup.choose(next(i for i, t in enumerate(labels) if t.startswith("háng")))
    assert [(o.text, o.replacement) for o in w.text_panel.overrides] == [("行", "<|H|><|ANG2|>")]
    # the segment preview comes from the engine once it is loaded
    qtbot.waitUntil(lambda: not w.text_panel.approximate, timeout=15000)
    assert "approximate" not in w.text_panel.segments_label.text()
    assert w.text_panel.segments.count() >= 1

    # 3. generate with a fixed seed
    w.generate_panel.seed.setValue(1234)
    with qtbot.waitSignal(w.session.generationDone, timeout=90000) as done:
        qtbot.mouseClick(w.generate_panel.generate_button, Qt.LeftButton)
        assert w.generate_panel.cancel_button.isEnabled()
    entry = done.args[0]
    assert entry.seed == 1234 and entry.text == text
    assert entry.settings["overrides"] == [
        {"text": "行", "replacement": "<|H|><|ANG2|>", "occurrences": [text.index("行")]}
    ]
    assert w.result_panel.waveform.has_audio()
    audio = w.result_panel.audio
    assert audio.dtype == np.float32 and len(audio) > 0 and np.isfinite(audio).all()
    assert w.result_panel.history.count() == 1
    assert w.result_panel.selected_id() == entry.id
    stored = w.store.library.get_generation(entry.id)
    assert stored.model_info["random_checkpoint"] is True and stored.model_info["device"] == "CPU"
    assert not w.generate_panel.cancel_button.isEnabled()

    # 4. replay through the (fake) sound card; the playhead follows
    qtbot.mouseClick(w.result_panel.history_buttons["replay"], Qt.LeftButton)
    qtbot.waitUntil(lambda: w.player.state == "playing", timeout=10000)
    backend.pump_all()
    played = backend.played_audio()
    assert len(played) >= len(audio) - 2048
    qtbot.waitUntil(lambda: w.player.state != "playing", timeout=5000)

    # 5. export
    out = tmp_path / "export.flac"
    w.session.export(str(out), "flac")
    qtbot.waitUntil(out.with_suffix(".json").exists, timeout=10000)  # the sidecar is written last
    info = sf.info(out)
    assert info.format == "FLAC" and abs(info.duration - len(audio) / w.result_panel.sr) < 0.01
    import mutagen

    assert mutagen.File(str(out)).tags["AI_GENERATED"] == ["yes"]  # the export says what it is

    # 5b. generate again with the same seed: same settings, same overrides, the same audio
    with qtbot.waitSignal(w.session.generationDone, timeout=90000) as again:
        qtbot.mouseClick(w.result_panel.history_buttons["same"], Qt.LeftButton)
    assert again.args[0].seed == 1234 and again.args[0].id != entry.id
    assert np.array_equal(w.result_panel.audio, audio)
    assert w.result_panel.history.count() == 2
    w.session.delete(again.args[0].id)  # soft delete: the list shows one again
    qtbot.waitUntil(lambda: w.result_panel.history.count() == 1, timeout=10000)

    # 6. restart: the generation is still in history and plays back
    w.close()
    assert not w.client.thread.isRunning()
    w2 = make_window(model_dir=None, data_dir=data)
    qtbot.waitUntil(lambda: w2.result_panel.history.count() == 1, timeout=10000)
    assert "OK" in w2.result_panel.history.item(0).text()
    w2.result_panel.history.setCurrentRow(0)
    qtbot.mouseClick(w2.result_panel.history_buttons["replay"], Qt.LeftButton)
    qtbot.waitUntil(lambda: w2.result_panel.waveform.has_audio(), timeout=10000)
    assert np.allclose(w2.result_panel.audio, audio, atol=1e-3)  # stored as 16-bit PCM
    w2.session.rename(entry.id, "Grandpa says OK")
    qtbot.waitUntil(lambda: "Grandpa says OK" in w2.result_panel.history.item(0).text(), timeout=10000)


def test_cancel_mid_generation_stops_at_the_next_step_and_keeps_the_work(
    qtbot, make_window, tiny_checkpoint, llm_gate
):
    gate = llm_gate(at_step=5)
    w = make_window(model_dir=tiny_checkpoint, load=True)
    w.voice_panel.set_audio(speechy(4.0, 24000), 24000)
    w.voice_panel.transcript.setPlainText("hello there")
    qtbot.waitUntil(lambda: w.voice_panel.checks.text() != "", timeout=10000)
    long_text = "今天天气很好，我们一起去公园散步吧。" * 6
    w.text_panel.editor.setPlainText(long_text)
    stages = []
    w.client.jobProgress.connect(lambda _j, p: stages.append(p.stage))
    qtbot.mouseClick(w.generate_panel.generate_button, Qt.LeftButton)
    qtbot.waitUntil(gate["inside"].is_set, timeout=60000)  # the worker is inside an LLM step
    with qtbot.waitSignal(w.session.generationEnded, timeout=60000) as ended:
        qtbot.keyClick(w, Qt.Key_Escape)
        steps_at_cancel = gate["steps"]
        gate["release"].set()
    assert ended.args == ["cancelled"]
    # the cancel took effect before the next token: no further LLM step, no flow, no vocoder
    assert gate["steps"] == steps_at_cancel
    assert "flow" not in stages and "vocoder" not in stages
    assert w.text_panel.text() == long_text and w.result_panel.history.count() == 0
    assert w.generate_panel.generate_button.isEnabled()


def test_worker_thread_is_gone_after_close(qtbot, make_window, tiny_checkpoint):
    w = make_window(model_dir=tiny_checkpoint, load=True)
    thread = w.client.thread
    assert thread.isRunning()
    w.close()
    assert thread.isFinished() and not thread.isRunning()


def test_model_load_failure_shows_message_and_wizard(qtbot, make_window, tmp_path):
    gone = tmp_path / "weights-that-were-deleted"
    w = make_window(model_dir=gone, show_wizard_on_failure=True)
    with qtbot.waitSignal(w.wizardOpened, timeout=30000):
        w.load_model()
    assert w.client.state == "failed"
    assert w.messages.level == "error" and w.messages.text()
    assert "failed" in w.model_status.state_label.text().lower()
    assert w.wizard is not None and w.wizard.isVisible()
    # the person's work is untouched and generation explains itself
    w.text_panel.editor.setPlainText("还在这里。")
    w.voice_panel.set_audio(speechy(4.0, 24000), 24000)
    w.voice_panel.transcript.setPlainText("hello")
    qtbot.waitUntil(lambda: w.voice_panel.checks.text() != "", timeout=10000)
    w.session.generate()
    assert "not loaded" in w.messages.text().lower()
    assert w.text_panel.text() == "还在这里。"


def test_unload_releases_the_models_and_reload_restores(qtbot, make_window, tiny_checkpoint, monkeypatch):
    from glmtts_desktop.engine.engine import Engine

    loaded: list[dict[str, weakref.ref]] = []
    real_load = Engine.load

    def load_and_watch(config, **kwargs):
        engine = real_load(config, **kwargs)
        parts = {"engine": engine, "llm": engine.llm, "flow": engine.flow, "vocoder": engine.vocoder}
        parts |= {"speech_tokenizer": engine.speech_tokenizer, "speaker_encoder": engine.speaker_encoder}
        # the prompt models load on demand (None until a voice is analysed)
        loaded.append({name: weakref.ref(obj) for name, obj in parts.items() if obj is not None})
        return engine

    monkeypatch.setattr(Engine, "load", load_and_watch)
    w = make_window(model_dir=tiny_checkpoint, load=True)
    assert len(loaded) == 1 and all(ref() is not None for ref in loaded[0].values())
    with qtbot.waitSignal(w.client.stateChanged, check_params_cb=lambda s: s == "unloaded", timeout=10000):
        w.unload_action.trigger()
    assert w.client.model_info is None and "not loaded" in w.model_status.state_label.text().lower()
    gc.collect()
    alive = sorted(name for name, ref in loaded[0].items() if ref() is not None)
    assert alive == [], f"still referenced after unload: {alive}"
    with qtbot.waitSignal(w.client.stateChanged, check_params_cb=lambda s: s == "ready", timeout=60000):
        w.reload_action.trigger()
    assert w.client.model_info is not None
    assert len(loaded) == 2 and loaded[1]["llm"]() is not None
    # 32 kHz is offered when its vocoder is in the folder; switching keeps the rest loaded
    rates = [w.generate_panel.sample_rate.itemData(i) for i in range(w.generate_panel.sample_rate.count())]
    assert rates == list(w.client.model_info.sample_rates)
    if 32000 in rates:
        with qtbot.waitSignal(
            w.client.modelInfoChanged, check_params_cb=lambda i: i and i.sample_rate == 32000, timeout=60000
        ):
            w.generate_panel.sample_rate.setCurrentIndex(rates.index(32000))
            w.generate_panel.sample_rate.activated.emit(rates.index(32000))
        assert "32 kHz" in w.model_status.device_label.text()


def test_out_of_gpu_memory_shows_message_keeps_work_and_the_next_job_runs(
    qtbot, make_window, tiny_checkpoint, monkeypatch
):
    """torch raises its own OutOfMemoryError inside the flow; the person sees why, and can retry."""
    import torch

    from glmtts_desktop.engine.flow import FlowModel

    real_velocity = FlowModel.velocity
    calls = {"n": 0}

    def velocity_oom_once(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 1.50 GiB.")
        return real_velocity(self, *args, **kwargs)

    monkeypatch.setattr(FlowModel, "velocity", velocity_oom_once)
    w = make_window(model_dir=tiny_checkpoint, load=True)
    w.voice_panel.set_audio(speechy(4.0, 24000), 24000)
    w.voice_panel.transcript.setPlainText("hello there")
    qtbot.waitUntil(lambda: w.voice_panel.checks.text() != "", timeout=10000)
    w.text_panel.editor.setPlainText("很长的文本。")
    with qtbot.waitSignal(w.session.generationEnded, timeout=60000) as ended:
        w.session.generate()
    assert ended.args == ["failed"]
    assert "out of memory" in w.messages.text().lower()
    assert "traceback" not in w.messages.text().lower()
    assert w.text_panel.text() == "很长的文本。" and w.voice_panel.audio is not None
    assert w.client.state == "ready" and w.generate_panel.generate_button.isEnabled()
    assert w.result_panel.history.count() == 0
    # the same loaded engine runs the next job to the end
    with qtbot.waitSignal(w.session.generationDone, timeout=90000):
        w.session.generate()
    assert calls["n"] > 1 and w.result_panel.history.count() == 1


def test_text_preview_names_characters_that_will_not_be_spoken(qtbot, make_window, tiny_checkpoint, tmp_path):
    w = make_window(model_dir=tiny_checkpoint, data_dir=tmp_path / "data", backend=FakeBackend(), load=True)
    label = w.text_panel.unspeakable_label
    w.text_panel.editor.insertPlainText("Hello ☃ world, a fine day.")
    qtbot.waitUntil(lambda: label.isVisible(), timeout=10000)
    assert "☃" in label.text()
    assert w.text_panel.segments.count() == 1
    w.text_panel.editor.setPlainText("Only plain words here.")
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=10000)
