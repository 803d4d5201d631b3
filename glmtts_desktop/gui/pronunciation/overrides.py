"""The overrides of one text: add, remove, keep offsets right while the text is edited, JSONL I/O.

The official ``G2P_replace_dict.jsonl`` format has no positions, so an import gives
"everywhere" overrides and an export writes each surface string once; reading and writing it
is engine.text.overrides' job.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from glmtts_desktop.engine.types import PronunciationOverride
from glmtts_desktop.gui.errors import GuiInputError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)


class OverrideSet:
    """An ordered list of overrides; "here only" entries carry offsets into the current text."""

    def __init__(self, items: Iterable[PronunciationOverride] = ()) -> None:
        self._items: list[PronunciationOverride] = list(items)

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i: int) -> PronunciationOverride:
        return self._items[i]

    def as_tuple(self) -> tuple[PronunciationOverride, ...]:
        return tuple(self._items)

    def clear(self) -> None:
        self._items.clear()

    def add(self, text: str, replacement: str, offset: int | None) -> None:
        """``offset`` None = everywhere. A newer choice replaces an older one for the same place."""
        if not text or not replacement:
            raise GuiInputError(tr("An override needs the text and what to read instead."))
        if offset is None:
            self._items = [o for o in self._items if not (o.text == text and o.occurrences is None)]
            self._items.append(PronunciationOverride(text, replacement, None))
            return
        kept = []
        for o in self._items:
            if o.occurrences is not None and o.text == text and offset in o.occurrences:
                rest = tuple(x for x in o.occurrences if x != offset)
                if rest:
                    kept.append(PronunciationOverride(o.text, o.replacement, rest))
                continue
            kept.append(o)
        kept.append(PronunciationOverride(text, replacement, (offset,)))
        self._items = kept

    def remove(self, index: int) -> None:
        del self._items[index]

    def replace(self, index: int, override: PronunciationOverride) -> None:
        self._items[index] = override

    def text_changed(self, text: str, position: int, removed: int, added: int) -> None:
        """Shift "here only" offsets after an edit; drop those whose characters were edited."""
        delta = added - removed
        out = []
        for o in self._items:
            if o.occurrences is None:
                out.append(o)
                continue
            occ = []
            for off in o.occurrences:
                end = off + len(o.text)
                if end <= position:
                    new = off
                elif off >= position + removed:
                    new = off + delta
                else:
                    continue  # the edit touched these characters
                if text[new : new + len(o.text)] == o.text:
                    occ.append(new)
            if occ:
                out.append(PronunciationOverride(o.text, o.replacement, tuple(occ)))
        self._items = out


def read_jsonl(path: Path) -> list[PronunciationOverride]:
    """Parse a G2P_replace_dict.jsonl file (engine.text.overrides owns the format)."""
    from glmtts_desktop.engine.text.overrides import load_replace_dict, overrides_from_replace_dict

    return overrides_from_replace_dict(load_replace_dict(path))


def write_jsonl(path: Path, overrides: Iterable[PronunciationOverride]) -> None:
    """Write the official format, atomically; "here only" positions cannot be kept in it."""
    from glmtts_desktop.engine.text.overrides import replace_dict_from_overrides, save_replace_dict

    save_replace_dict(path, replace_dict_from_overrides(overrides))
