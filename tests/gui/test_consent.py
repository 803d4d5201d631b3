"""Consent in the real window on the tiny checkpoint: asked once, recorded, withdrawn = no Generate.

The engine is the real one (tiny random weights); questions are answered by a patched
``ask_choice`` and the consent dialog is filled in by the test.
"""

from __future__ import annotations

import pytest
import soundfile as sf
from gui_fakes import speechy
from PySide6.QtCore import Qt
from test_voices_view import Answers, save_voice

from glmtts_desktop.audio import FakeBackend
from glmtts_desktop.gui.voices import voices_view
from glmtts_desktop.gui.voices.consent_dialog import ConsentDialog

pytestmark = pytest.mark.slow


def _generate(qtbot, w) -> None:
    with qtbot.waitSignal(w.session.generationDone, timeout=120000):
        qtbot.mouseClick(w.generate_panel.generate_button, Qt.LeftButton)


def test_consent_is_asked_once_recorded_and_withdrawal_blocks(
    qtbot, make_window, tiny_checkpoint, tmp_path, monkeypatch
):
    ref = tmp_path / "grandma.wav"
    sf.write(ref, speechy(5.0, 16000), 16000)
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(b"%PDF-1.4 signed by Li Hua")
    w = make_window(model_dir=tiny_checkpoint, backend=FakeBackend(), load=True)
    assert w.client.state == "ready"
    save_voice(qtbot, w, ref, "Grandma")
    qtbot.waitUntil(lambda: w.voice_panel.voice_id is not None, timeout=10000)
    vid = w.voice_panel.voice_id
    w.text_panel.editor.setPlainText("Hello there.")

    # no consent record: the question comes; "cancel" starts nothing
    answers = Answers(monkeypatch, "cancel")
    qtbot.mouseClick(w.generate_panel.generate_button, Qt.LeftButton)
    assert len(answers.questions) == 1 and "Grandma" in answers.questions[0][0]
    assert answers.questions[0][1] == ["record", "continue", "cancel"]
    assert not w.session.running

    # "continue": generates, and the question is not asked again for this voice
    answers.answers = ["continue"]
    _generate(qtbot, w)
    _generate(qtbot, w)
    assert len(answers.questions) == 2

    # record consent in the Voices view, with a scanned letter as evidence
    def fill(dlg: ConsentDialog) -> int:
        dlg.basis.setCurrentIndex(dlg.basis.findData("family"))
        dlg.who.setText("Li Wei (her son)")
        dlg.how.setText("family agreement, signed letter")
        dlg.set_evidence(letter)
        dlg._accept()
        return dlg.result()

    monkeypatch.setattr(voices_view.ConsentDialog, "exec", fill)
    w.show_voices()
    vv = w.voices_view
    qtbot.waitUntil(lambda: vv.current_id() == vid, timeout=10000)
    qtbot.mouseClick(vv.buttons["consent"], Qt.LeftButton)
    qtbot.waitUntil(lambda: w.store.studio.get_voice(vid).consent is not None, timeout=10000)
    consent = w.store.studio.get_voice(vid).consent
    assert (consent.basis, consent.who) == ("family", "Li Wei (her son)")
    assert consent.evidence_path is not None and consent.evidence_path.read_bytes() == letter.read_bytes()
    qtbot.waitUntil(lambda: "Li Wei" in vv.consent_label.text(), timeout=10000)

    # withdraw it: Generate is off for this voice, with the reason on screen; history stays
    history_before = w.result_panel.history.count()
    answers.answers = ["revoke"]
    qtbot.mouseClick(vv.buttons["revoke"], Qt.LeftButton)
    qtbot.waitUntil(lambda: not w.generate_panel.generate_button.isEnabled(), timeout=10000)
    assert "withdrawn" in w.generate_panel.blocked_label.text().lower()
    assert w.generate_panel.blocked_label.isVisibleTo(w)
    assert w.session.generate() is None  # Ctrl+Enter or a stale click is refused too
    assert "withdrawn" in w.messages.text().lower()
    assert w.result_panel.history.count() == history_before == 2
    assert w.store.studio.get_voice(vid).consent.revoked_at is not None

    # another (unsaved) voice may generate again: the block belongs to the withdrawn voice only
    other = tmp_path / "me.wav"
    sf.write(other, speechy(5.0, 16000, seed=5), 16000)
    w.voice_panel.load_file(other)
    qtbot.waitUntil(lambda: w.voice_panel.source_path == other, timeout=10000)
    assert w.generate_panel.generate_button.isEnabled()
    assert not w.generate_panel.blocked_label.isVisibleTo(w)
