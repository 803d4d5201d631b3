"""History on the real window and the tiny checkpoint: search, open an entry back into the editor,
and "Again, same seed" reproduces it exactly — at the entry's sample rate, not the current one."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from gui_fakes import speechy
from PySide6.QtCore import Qt
from test_voices_view import Answers

from glmtts_desktop.audio import FakeBackend

pytestmark = pytest.mark.slow


def _generate(qtbot, w):
    with qtbot.waitSignal(w.session.generationDone, timeout=120000) as blocker:
        qtbot.mouseClick(w.generate_panel.generate_button, Qt.LeftButton)
    return blocker.args[0]


def _set_rate(qtbot, w, rate: int) -> None:
    g = w.generate_panel
    g.sample_rate.setCurrentIndex(g.sample_rate.findData(rate))
    g.sampleRateChanged.emit(rate)


def test_search_open_in_editor_and_again_keeps_the_sample_rate(
    qtbot, make_window, tiny_checkpoint, tmp_path, monkeypatch
):
    ref = tmp_path / "uncle.wav"
    sf.write(ref, speechy(5.0, 16000), 16000)
    w = make_window(model_dir=tiny_checkpoint, backend=FakeBackend(), load=True)
    g = w.generate_panel
    assert g.sample_rate.findData(32000) >= 0, "the tiny checkpoint offers 24 and 32 kHz"
    w.voice_panel.load_file(ref)
    qtbot.waitUntil(lambda: w.voice_panel.source_path == ref, timeout=10000)
    w.voice_panel.transcript.setPlainText("hello there")
    Answers(monkeypatch, "continue")  # an unsaved voice: go on without a consent record

    # two generations: the first at 32 kHz with its own seed, method and a pronunciation
    _set_rate(qtbot, w, 32000)
    g.seed.setValue(1234)
    g.method.setCurrentIndex(g.method.findData("topk"))
    w.text_panel.editor.setPlainText("Grandpa's garden 行.")
    w.text_panel.add_override("行", "<|H|><|ANG2|>", None)
    first = _generate(qtbot, w)
    assert w.session.last_sr == 32000
    first_audio = w.session.last_audio.copy()
    _set_rate(qtbot, w, 24000)
    g.seed.setValue(7)
    g.method.setCurrentIndex(g.method.findData("ras"))
    w.text_panel.set_text("Second message.")
    _generate(qtbot, w)
    assert w.session.last_sr == 24000
    qtbot.waitUntil(lambda: w.result_panel.history.count() == 2, timeout=10000)

    # search by words
    w.history_search.text.setText("garden")
    qtbot.waitUntil(lambda: w.result_panel.history.count() == 1, timeout=10000)
    assert "garden" in w.result_panel.history.item(0).text()
    w.history_search.text.setText("nothing like this")
    qtbot.waitUntil(lambda: w.result_panel.history.count() == 0, timeout=10000)
    w.history_search.text.clear()
    qtbot.waitUntil(lambda: w.result_panel.history.count() == 2, timeout=10000)

    # open the first entry into the editor: voice, text, overrides and settings come back
    w.voice_panel.transcript.setPlainText("something else")
    assert w.result_panel.select_entry(first.id)
    qtbot.mouseClick(w.result_panel.history_buttons["open"], Qt.LeftButton)
    qtbot.waitUntil(lambda: w.text_panel.text() == "Grandpa's garden 行.", timeout=10000)
    assert [(o.text, o.replacement) for o in w.text_panel.overrides] == [("行", "<|H|><|ANG2|>")]
    assert w.voice_panel.transcript.toPlainText() == "hello there"
    assert (g.seed.value(), g.method.currentData(), g.current_sample_rate()) == (1234, "topk", 32000)

    # "Again, same seed" from 24 kHz: made at 32 kHz again, the same audio
    _set_rate(qtbot, w, 24000)
    g.seed.setValue(99)
    assert w.result_panel.select_entry(first.id)
    with qtbot.waitSignal(w.session.generationDone, timeout=120000) as blocker:
        qtbot.mouseClick(w.result_panel.history_buttons["same"], Qt.LeftButton)
    again = blocker.args[0]
    assert again.seed == 1234 and again.settings["sample_rate"] == 32000
    assert w.session.last_sr == 32000
    np.testing.assert_array_equal(w.session.last_audio, first_audio)
