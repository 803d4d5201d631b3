"""Progress you can trust: the bar, the time left, each segment's state, the cut warning and
error bars that go away once their problem is fixed. The real window on the tiny checkpoint."""

from __future__ import annotations

import re

import pytest
from gui_fakes import speechy
from PySide6.QtCore import Qt

from glmtts_desktop import i18n
from glmtts_desktop.engine.types import Progress, SegmentResult, SynthesisResult
from glmtts_desktop.gui.eta import EtaEstimator, format_remaining
from glmtts_desktop.gui.inference import GenerateJob
from glmtts_desktop.gui.panels import segment_list as seg

THREE_PARTS = "今天天气很好，我们一起去公园散步吧。" * 6  # three or more segments


def _ready_window(qtbot, make_window, tiny_checkpoint, text: str = THREE_PARTS):
    w = make_window(model_dir=tiny_checkpoint, load=True)
    w.voice_panel.set_audio(speechy(4.0, 24000), 24000)
    w.voice_panel.transcript.setPlainText("hello there")
    qtbot.waitUntil(lambda: w.voice_panel.checks.text() != "", timeout=10000)
    w.text_panel.editor.setPlainText(text)
    # the model's own split, so the list can follow the job part by part
    qtbot.waitUntil(lambda: not w.text_panel.approximate and w.text_panel.segments.count() > 1, timeout=20000)
    return w


# --- the estimate itself (a fake clock: no waiting) --------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_eta_is_hidden_until_a_part_is_done_then_follows_the_measured_pace():
    clock = Clock()
    eta = EtaEstimator(clock)
    eta.start([10, 10, 20])  # the last part is twice as long
    assert eta.update(Progress("prompt", 0, 3, 0.0)) is None
    assert eta.update(Progress("llm", 0, 3, 0.0)) is None
    clock.now += 4
    assert eta.update(Progress("llm", 0, 3, 0.2)) is None  # part 1 still running: nothing honest yet
    clock.now += 6
    left = eta.update(Progress("vocoder", 0, 3, 1 / 3))  # part 1 (10 units) took 10 s
    assert left == pytest.approx(30.0)  # 30 units left at 1 unit/s
    clock.now += 10
    left = eta.update(Progress("llm", 1, 3, 2 / 3))
    assert left == pytest.approx(20.0)
    eta.start()  # a new job forgets the old pace
    assert eta.update(Progress("llm", 0, 3, 0.0)) is None


def test_eta_wording_in_english_and_chinese():
    assert format_remaining(3) == "a few seconds left"
    assert format_remaining(42) == "about 40 s left"
    assert format_remaining(80) == "about 1 min 20 s left"
    assert format_remaining(120) == "about 2 min left"
    assert format_remaining(3 * 3600 + 5 * 60) == "about 3 h 5 min left"
    i18n.set_language("zh_CN")
    assert format_remaining(80) == "大约还剩 1 分 20 秒"


# --- the real window ---------------------------------------------------------------------------
@pytest.mark.slow
def test_cancel_puts_the_bar_back_to_zero_and_marks_the_stopped_segment(
    qtbot, make_window, tiny_checkpoint, llm_gate
):
    gate = llm_gate(at_step=5, segment=1)  # inside the second segment
    w = _ready_window(qtbot, make_window, tiny_checkpoint)
    bar = w.generate_panel.progress
    qtbot.mouseClick(w.generate_panel.generate_button, Qt.LeftButton)
    qtbot.waitUntil(gate["inside"].is_set, timeout=60000)
    segments = w.text_panel.segments
    qtbot.waitUntil(lambda: segments.status(1) == seg.GENERATING, timeout=10000)
    assert bar.value() >= 1000 // segments.count() - 1  # one segment of three (or more) is done
    assert segments.status(0) == seg.DONE and segments.status(2) == seg.WAITING
    with qtbot.waitSignal(w.session.generationEnded, timeout=60000) as ended:
        qtbot.mouseClick(w.generate_panel.cancel_button, Qt.LeftButton)
        gate["release"].set()
    assert ended.args == ["cancelled"]
    assert bar.value() == 0
    assert w.generate_panel.eta.isHidden()
    assert segments.statuses()[:3] == [seg.DONE, seg.STOPPED, ""]


@pytest.mark.slow
def test_failure_puts_the_bar_back_to_zero(qtbot, make_window, tiny_checkpoint, monkeypatch):
    import torch

    from glmtts_desktop.engine.llm import SpeechLM

    real_prefill = SpeechLM.prefill
    calls = {"n": 0}

    def oom_in_the_second_segment(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise torch.OutOfMemoryError("CUDA out of memory.")
        return real_prefill(self, *args, **kwargs)

    monkeypatch.setattr(SpeechLM, "prefill", oom_in_the_second_segment)
    w = _ready_window(qtbot, make_window, tiny_checkpoint)
    values = []
    w.client.jobProgress.connect(lambda _j, _p: values.append(w.generate_panel.progress.value()))
    with qtbot.waitSignal(w.session.generationEnded, timeout=60000) as ended:
        w.session.generate()
    assert ended.args == ["failed"]
    assert max(values) > 0 and w.generate_panel.progress.value() == 0
    assert w.text_panel.segments.statuses()[:2] == [seg.DONE, seg.FAILED]


@pytest.mark.slow
def test_eta_appears_once_a_segment_is_done_and_speaks_chinese(qtbot, make_window, tiny_checkpoint):
    w = _ready_window(qtbot, make_window, tiny_checkpoint)
    w.set_language("zh_CN")
    eta = w.generate_panel.eta
    seen = []  # (stage, segment, ETA text) after the session handled each report
    w.client.jobProgress.connect(lambda _j, p: seen.append((p.stage, p.segment, eta.text(), eta.isHidden())))
    with qtbot.waitSignal(w.session.generationEnded, timeout=120000) as ended:
        w.session.generate()
    assert ended.args == ["finished"]
    first = [s for s in seen if s[1] == 0 and s[0] == "llm"]
    later = [s for s in seen if s[1] >= 1 and s[0] in ("llm", "flow", "vocoder")]
    assert first and all(text == "" and hidden for _st, _i, text, hidden in first)
    assert later and all("还剩" in text and not hidden for _st, _i, text, hidden in later)
    assert eta.isHidden()  # gone when the job is over
    assert set(w.text_panel.segments.statuses()) <= {seg.DONE, seg.CUT}


@pytest.mark.slow
def test_a_segment_cut_at_the_length_limit_is_marked_and_warned_about(
    qtbot, make_window, tiny_checkpoint, monkeypatch
):
    from glmtts_desktop.engine.engine import Engine

    real = Engine._generate

    def never_stops(self, *args, **kwargs):  # the stop token is banned until the very last step
        kwargs["min_ratio"] = kwargs["max_ratio"] = 1.0
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Engine, "_generate", never_stops)
    w = _ready_window(qtbot, make_window, tiny_checkpoint)
    with qtbot.waitSignal(w.session.generationEnded, timeout=120000) as ended:
        w.session.generate()
    assert ended.args == ["finished"]
    n = w.text_panel.segments.count()
    assert w.text_panel.segments.statuses() == [seg.CUT] * n
    assert w.messages.level == "warning" and not w.messages.isHidden()
    numbers = ", ".join(str(i) for i in range(1, n + 1))
    assert f"Segments {numbers} may be cut short" in w.messages.text()
    assert "may be cut short" in w.text_panel.segments.item(0).text()
    w.set_language("zh_CN")
    assert "可能被截断" in w.messages.text()


def test_no_warning_when_every_segment_ended_by_itself(qtbot, make_window):
    w = make_window()
    w.text_panel.set_text("一。二。")
    w.text_panel.set_segments(["一。", "二。"], approximate=False)
    parts = tuple(SegmentResult(i, s, s, 3, 30, 4800, hit_max_length=(i == 1)) for i, s in enumerate("一二"))
    job = GenerateJob(text="一。二。")
    w.session._show_segment_results(job, SynthesisResult(speechy(0.4, 24000), 24000, 1, parts))
    assert w.text_panel.segments.statuses() == [seg.DONE, seg.CUT]
    assert w.messages.text() == (
        "Segment 2 may be cut short: it did not end by itself. Try splitting the sentence or another seed."
    )
    w.messages.clear()
    fine = tuple(SegmentResult(i, s, s, 3, 30, 4800, hit_max_length=False) for i, s in enumerate("一二"))
    w.session._show_segment_results(job, SynthesisResult(speechy(0.4, 24000), 24000, 1, fine))
    assert w.messages.isHidden() and w.text_panel.segments.statuses() == [seg.DONE, seg.DONE]


# --- error bars that know when they are fixed ---------------------------------------------------
def test_the_no_text_error_hides_when_text_is_typed_but_a_reference_error_stays(qtbot, make_window):
    w = make_window()
    w.session.generate()
    assert "no text" in w.messages.text().lower() and not w.messages.isHidden()
    w.text_panel.editor.setFocus()
    qtbot.keyClicks(w.text_panel.editor, "Hi")
    assert w.messages.isHidden()
    w.session.generate()  # text is there now: the next problem is the missing reference
    assert "no reference" in w.messages.text().lower()
    qtbot.keyClicks(w.text_panel.editor, " there")
    assert not w.messages.isHidden()  # typing does not fix a missing reference
    w.voice_panel.set_audio(speechy(4.0, 24000), 24000)
    w.voice_panel.transcript.setPlainText("hello there")
    qtbot.waitUntil(lambda: w.messages.isHidden(), timeout=10000)


def test_segments_label_stops_saying_approximate_once_the_model_is_ready(qtbot, make_window, tiny_checkpoint):
    w = make_window(model_dir=tiny_checkpoint)
    assert "approximate" not in w.text_panel.segments_label.text()  # nothing to split yet
    w.text_panel.editor.setPlainText("一。二。")
    qtbot.waitUntil(lambda: "approximate" in w.text_panel.segments_label.text(), timeout=5000)
    with qtbot.waitSignal(w.client.stateChanged, check_params_cb=lambda s: s == "ready", timeout=60000):
        w.load_model()
    label = w.text_panel.segments_label
    qtbot.waitUntil(lambda: re.fullmatch(r"Segments \(\d\)", label.text()) is not None, timeout=20000)
    w.text_panel.set_segments(["一。二。"], approximate=True)  # the rough split while typing
    assert label.text() == "Segments (1, updating…)"  # the model is loaded: its split is coming
    w.text_panel.editor.clear()
    qtbot.waitUntil(lambda: w.text_panel.segments_label.text() == "Segments (0)", timeout=5000)
