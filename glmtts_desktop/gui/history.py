"""What the GUI needs from storage: generations (history) and saved voices.

``HistoryEntry``/``SavedVoice`` are the GUI's view of library records. The store that backs them
(``gui.store``) translates to the library package, so panels never see its schema.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from glmtts_desktop.gui.i18n import tr

TITLE_CHARS = 40


@dataclass(frozen=True)
class HistoryEntry:
    id: str
    text: str
    voice_name: str
    seed: int
    created: float  # unix time
    duration: float
    title: str = ""
    voice_id: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def display_title(self) -> str:
        """The name a person gave it, or the start of its text: what Rename edits."""
        return self.title or (self.text[:TITLE_CHARS] + ("…" if len(self.text) > TITLE_CHARS else ""))

    def label(self) -> str:
        stamp = time.strftime("%m-%d %H:%M", time.localtime(self.created))
        title = self.display_title()
        return f"{stamp}  {title}  ({self.voice_name}, {tr('seed')} {self.seed}, {self.duration:.1f} s)"

    def tooltip(self) -> str:
        opts = ", ".join(f"{k}={v}" for k, v in sorted(self.settings.items()) if k != "overrides")
        return f"{self.text}\n\n{opts}"


@dataclass(frozen=True)
class SavedVoice:
    id: str
    name: str
    transcript: str = ""
