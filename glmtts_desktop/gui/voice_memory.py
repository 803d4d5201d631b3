"""The voice on screen comes back after a restart: a saved voice by id, an unsaved one by its file.

Only the voice lives here (which voice, or which file + selection + transcript + name); the draft
text and its overrides are the draft's business. An unsaved reference is remembered by path:
recorded takes stay in the app's takes folder, imported files where the person keeps them; if
the file has gone, nothing is restored and nothing complains.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from glmtts_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)


def remember_voice(window: MainWindow) -> None:
    """At exit: note the saved voice, or the unsaved reference's file and selection."""
    v, s = window.voice_panel, window.settings
    if v.voice_id is not None:
        s.last_voice = v.voice_id
        s.last_reference = None
    elif v.source_path is not None and v.audio is not None:
        a, b = v.selection()
        s.last_voice = ""
        s.last_reference = {
            "path": str(v.source_path),
            "start": a,
            "end": b,
            "transcript": v.transcript.toPlainText(),
            "name": v.name.text(),
        }
    else:
        s.last_voice = ""
        s.last_reference = None


def restore_voice(window: MainWindow) -> None:
    """At start: reopen what was on screen at the last exit (in the background, like any load)."""
    s, v = window.settings, window.voice_panel
    if s.last_voice:
        window.session.choose_voice(s.last_voice, keep_text_overrides=True, quiet=True)
        return
    ref = s.last_reference
    if not ref or not Path(ref["path"]).is_file():
        return

    def reopened() -> None:
        v.waveform.set_selection(float(ref.get("start", 0.0)), float(ref.get("end", v.waveform.duration)))
        v.transcript.setPlainText(str(ref.get("transcript", "")))
        v.name.setText(str(ref.get("name", "")))

    v.load_file(Path(ref["path"]), then=reopened)
