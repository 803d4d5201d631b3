"""The overrides of one text: add, remove, keep offsets right while the text is edited, JSONL I/O.

The official tool reads ``G2P_replace_dict.jsonl``: one JSON object per line mapping a surface
string to its replacement; all lines are merged. That format has no positions, so an import
gives "everywhere" overrides and an export writes each surface string once.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from glmtts_desktop.engine.types import PronunciationOverride
from glmtts_desktop.gui.errors import GuiInputError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

MAX_JSONL_BYTES = 5_000_000


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
    """Parse a G2P_replace_dict.jsonl file; a bad line is an error naming the line."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_JSONL_BYTES:
            raise GuiInputError(tr("{name} is too large for a pronunciation list.", name=path.name))
        raw = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise GuiInputError(
            tr("Could not read {name}.", name=path.name),
            hint=tr("Check that the file exists."),
            detail=str(exc),
        ) from exc
    except UnicodeDecodeError as exc:
        raise GuiInputError(tr("{name} is not UTF-8 text.", name=path.name), detail=str(exc)) from exc
    merged: dict[str, str] = {}
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise GuiInputError(
                tr("Line {n} of {name} is not valid JSON.", n=n, name=path.name), detail=str(exc)
            ) from exc
        if not isinstance(obj, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in obj.items()
        ):
            raise GuiInputError(
                tr(
                    'Line {n} of {name} must map text to text, like {{"行": "<|X|><|ING2|>"}}.',
                    n=n,
                    name=path.name,
                )
            )
        merged.update({k: v for k, v in obj.items() if k})
    return [PronunciationOverride(k, v, None) for k, v in merged.items()]


def to_jsonl(overrides: Iterable[PronunciationOverride]) -> str:
    seen: dict[str, str] = {}
    for o in overrides:
        seen.setdefault(o.text, o.replacement)
    return "".join(json.dumps({k: v}, ensure_ascii=False) + "\n" for k, v in seen.items())


def write_jsonl(path: Path, overrides: Iterable[PronunciationOverride]) -> None:
    """Write atomically (temp file, fsync, rename) so a crash never leaves half a file."""
    path = Path(path)
    data = to_jsonl(overrides).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=str(path.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise GuiInputError(
            tr("Could not write {name}.", name=path.name), hint=tr("Choose another folder."), detail=str(exc)
        ) from exc
