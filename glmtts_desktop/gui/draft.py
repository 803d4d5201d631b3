"""The draft — the text on screen, its pronunciation overrides and the generation options —
kept on disk while the person works, so closing the app (or a crash) loses nothing.

One small JSON file in the app's data folder, written atomically a moment after each change
and at shutdown. A missing or unreadable draft is simply not restored (logged, never shown as
an error): it is a convenience, and the person's real work is still on screen.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer

from glmtts_desktop.engine.types import PronunciationOverride
from glmtts_desktop.fsutil import atomic_write_text

if TYPE_CHECKING:
    from glmtts_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)

VERSION = 1
SAVE_DELAY_MS = 800


def _override_to_json(o: PronunciationOverride) -> dict[str, Any]:
    return {
        "text": o.text,
        "replacement": o.replacement,
        "occurrences": list(o.occurrences) if o.occurrences is not None else None,
    }


def _override_from_json(d: dict[str, Any]) -> PronunciationOverride:
    occ = d.get("occurrences")
    return PronunciationOverride(
        str(d["text"]), str(d["replacement"]), tuple(int(x) for x in occ) if occ is not None else None
    )


class DraftKeeper(QObject):
    """Saves the window's draft a moment after each change; ``restore`` puts it back."""

    def __init__(self, window: MainWindow, path: Path) -> None:
        super().__init__(window)
        self.w = window
        self.path = Path(path)
        self._restoring = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save)
        tp, gp = window.text_panel, window.generate_panel
        tp.editor.textChanged.connect(self._changed)
        tp.overridesChanged.connect(self._changed)
        gp.seed.valueChanged.connect(self._changed)
        gp.method.currentIndexChanged.connect(self._changed)
        gp.prompt_cache.toggled.connect(self._changed)
        gp.use_phoneme.toggled.connect(self._changed)

    def _changed(self, *_args: object) -> None:
        if not self._restoring:
            self._timer.start()

    def snapshot(self) -> dict[str, Any]:
        tp, gp = self.w.text_panel, self.w.generate_panel
        return {
            "version": VERSION,
            "text": tp.text(),
            "overrides": [_override_to_json(o) for o in tp.overrides],
            "options": gp.options(),
        }

    def save(self) -> None:
        self._timer.stop()
        try:
            atomic_write_text(self.path, json.dumps(self.snapshot(), ensure_ascii=False, indent=1))
        except OSError as exc:  # a full disk must not interrupt typing; the next change retries
            log.warning("draft not saved to %s: %s", self.path, exc)

    def flush(self) -> None:
        """Save now if a save is pending (at shutdown)."""
        if self._timer.isActive():
            self.save()

    def restore(self) -> bool:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            text = str(data.get("text", ""))
            overrides = [_override_from_json(d) for d in data.get("overrides", [])]
            options = dict(data.get("options", {}))
        except FileNotFoundError:
            return False
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("draft %s not restored: %s", self.path, exc)
            return False
        tp, gp = self.w.text_panel, self.w.generate_panel
        self._restoring = True
        try:
            tp.editor.setPlainText(text)
            tp.set_overrides(overrides)
            if isinstance(options.get("seed"), int):
                gp.seed.setValue(options["seed"])
            idx = gp.method.findData(options.get("method"))
            if idx >= 0:
                gp.method.setCurrentIndex(idx)
            for key, box in (("use_prompt_cache", gp.prompt_cache), ("use_phoneme", gp.use_phoneme)):
                if isinstance(options.get(key), bool):
                    box.setChecked(options[key])
        finally:
            self._restoring = False
        log.info("draft restored: %d characters, %d overrides", len(text), len(overrides))
        return True
