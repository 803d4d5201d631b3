"""The Archive menu on the real window: export → delete everything → import gives every voice,
consent and file back; importing again asks; "Check library integrity" finds a changed file.
File dialogs and questions are patched; the work runs in the window's background pool."""

from __future__ import annotations

import soundfile as sf
from gui_fakes import speechy
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog
from test_voices_view import Answers, save_voice

from glmtts_desktop.gui.voices import archive_actions
from glmtts_desktop.library import ConsentRecord


def _trigger(qtbot, w, name: str) -> str:
    act = w.findChild(QAction, name)
    assert act is not None, name
    with qtbot.waitSignal(w.archive.finished, timeout=60000) as blocker:
        act.trigger()
    return blocker.args[0]


def test_archive_export_delete_import_and_check(qtbot, make_window, tmp_path, monkeypatch):
    w = make_window()
    studio = w.store.studio
    for i, name in enumerate(("Grandma", "Uncle")):
        src = tmp_path / f"{name}.wav"
        sf.write(src, speechy(5.0 + i, 16000, seed=i), 16000)
        save_voice(qtbot, w, src, name, f"words of {name}")
        qtbot.waitUntil(
            lambda n=name: w.voice_panel.name.text() == n and w.voice_panel.voice_id is not None,
            timeout=10000,
        )
    qtbot.waitUntil(lambda: len(w.voices_view.live_voices()) == 2, timeout=10000)
    grandma = studio.find_voice("Grandma")
    studio.set_consent(grandma.id, ConsentRecord(who="Li Hua", how="said yes on tape", basis="self"))
    before = {
        v.name: (v.reference_path.read_bytes(), v.original_path.read_bytes()) for v in studio.list_voices()
    }

    # export: every voice, as a zip
    out = tmp_path / "family.zip"
    monkeypatch.setattr(archive_actions.ExportChoice, "exec", lambda self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    summary = _trigger(qtbot, w, "archiveExport")
    assert out.is_file() and str(out) in summary and "2" in summary

    # delete everything
    for v in studio.list_voices():
        studio.delete_voice(v.id)
    studio.empty_trash()
    w.voices_view.refresh()
    qtbot.waitUntil(lambda: w.voices_view.live_voices() == [], timeout=10000)

    # import: verified, every voice back with its consent and its bytes
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(out), ""))
    summary = _trigger(qtbot, w, "archiveImport")
    assert "2 voice(s) added" in summary
    qtbot.waitUntil(lambda: sorted(w.voices_view.names()) == ["Grandma", "Uncle"], timeout=10000)
    after = {
        v.name: (v.reference_path.read_bytes(), v.original_path.read_bytes()) for v in studio.list_voices()
    }
    assert after == before
    assert studio.find_voice("Grandma").consent.who == "Li Hua"

    # the same archive again: asks, and "skip" adds nothing
    answers = Answers(monkeypatch, "skip")
    summary = _trigger(qtbot, w, "archiveImport")
    assert len(answers.questions) == 1 and answers.questions[0][1] == ["skip", "keep_both", "cancel"]
    assert "Skipped" in summary and len(studio.list_voices()) == 2

    # integrity: all fine, then a changed file is named
    assert "unchanged" in _trigger(qtbot, w, "archiveCheck")
    changed = studio.find_voice("Uncle").reference_path
    changed.write_bytes(changed.read_bytes()[:-10] + b"\0" * 10)
    summary = _trigger(qtbot, w, "archiveCheck")
    assert changed.name in summary and w.messages.level == "error"


def _block_after_first_progress(w, real):
    """Wrap a studio archive call: after its first progress report of at least 1 % it waits
    until the user pressed Cancel (the task's own cancel event), so the click always lands mid-task."""

    def wrapped(*args, on_progress, cancelled, **kw):
        def report(done, total):
            on_progress(done, total)
            if 100 * done // total > 0:  # the bar shows it: press Cancel now
                w.archive._cancel.wait(30)

        return real(*args, on_progress=report, cancelled=cancelled, **kw)

    return wrapped


def _cancel_mid_task(qtbot, w, action: str) -> str:
    act = w.findChild(QAction, action)
    act.trigger()
    qtbot.waitUntil(lambda: w.archive.busy.value() > 0, timeout=30000)
    assert not w.archive.busy.isHidden() and not w.archive.cancel_button.isHidden()
    with qtbot.waitSignal(w.archive.finished, timeout=60000) as blocker:
        qtbot.mouseClick(w.archive.cancel_button, Qt.MouseButton.LeftButton)
    assert w.archive.busy.isHidden() and not w.archive.running
    return blocker.args[0]


def test_archive_tasks_show_a_percentage_and_cancel_cleanly(qtbot, make_window, tmp_path, monkeypatch):
    w = make_window()
    studio = w.store.studio
    src = tmp_path / "Grandma.wav"
    sf.write(src, speechy(5.0, 16000), 16000)
    save_voice(qtbot, w, src, "Grandma", "words of Grandma")
    qtbot.waitUntil(lambda: len(w.voices_view.live_voices()) == 1, timeout=10000)
    monkeypatch.setattr(archive_actions.ExportChoice, "exec", lambda self: QDialog.DialogCode.Accepted)

    # export, cancelled mid-way: no archive and no temporary file next to where it would be
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    out = out_dir / "family.zip"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    real_export = studio.export_archive
    monkeypatch.setattr(studio, "export_archive", _block_after_first_progress(w, real_export))
    assert "Cancelled" in _cancel_mid_task(qtbot, w, "archiveExport")
    assert list(out_dir.iterdir()) == []

    # a whole export reaches 100 %
    monkeypatch.setattr(studio, "export_archive", real_export)
    seen: list[int] = []
    w.archive.progressed.connect(seen.append)
    assert str(out) in _trigger(qtbot, w, "archiveExport")
    assert seen and seen[-1] == 100 and seen == sorted(seen)

    # import into an emptied library, cancelled mid-way: the library is as it was
    for v in studio.list_voices():
        studio.delete_voice(v.id)
    studio.empty_trash()
    lib_root = w.store.library.root
    before = sorted(p.relative_to(lib_root) for p in (lib_root / "audio").rglob("*"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(out), ""))
    monkeypatch.setattr(studio, "import_archive", _block_after_first_progress(w, studio.import_archive))
    assert "Cancelled" in _cancel_mid_task(qtbot, w, "archiveImport")
    assert studio.list_voices() == [] and studio.search_history() == []
    assert sorted(p.relative_to(lib_root) for p in (lib_root / "audio").rglob("*")) == before
