"""Pronunciation overrides: the official replacement-dictionary file and per-occurrence user
choices.

The official ``G2P_replace_dict.jsonl`` holds one JSON object per line (``{"surface":
"replacement"}``), merged into one dict and matched longest-first; it applies in phoneme mode
only. A user's PronunciationOverride applies only at the character offsets the user chose
(or everywhere when ``occurrences`` is None), in either mode; see placeholders.py for how it
survives normalisation.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from glmtts_desktop.engine.errors import TextInputError
from glmtts_desktop.engine.text import placeholders
from glmtts_desktop.engine.text.resources import atomic_write_text
from glmtts_desktop.engine.types import PronunciationOverride
from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

MAX_REPLACE_DICT_BYTES = 5_000_000  # a pronunciation list, not a corpus: refuse before reading it


def load_replace_dict(path: Path | str) -> dict[str, str]:
    """Read a replacement dictionary (JSON Lines, later lines win on equal keys).

    A UTF-8 byte-order mark (what Windows editors write) is accepted.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_REPLACE_DICT_BYTES:
            raise TextInputError(
                tr("The pronunciation dictionary {path} is too large.", path=path),
                hint=tr("A pronunciation list has one short line per word."),
            )
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise TextInputError(
            tr("The pronunciation dictionary {path} does not exist.", path=path),
            hint=tr("Choose an existing .jsonl file."),
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TextInputError(
            tr("The pronunciation dictionary {path} cannot be read.", path=path),
            hint=tr("Check that it is a UTF-8 text file."),
            detail=str(exc),
        ) from exc
    mapping: dict[str, str] = {}
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise TextInputError(
                tr(
                    "Line {lineno} of the pronunciation dictionary {path} is not valid JSON.",
                    lineno=lineno,
                    path=path,
                ),
                hint=tr('Each line must look like {"字": "<|Z|><|II4|>"}.'),
                detail=str(exc),
            ) from exc
        if not isinstance(item, dict) or not all(
            isinstance(k, str) and k and isinstance(v, str) for k, v in item.items()
        ):
            raise TextInputError(
                tr(
                    "Line {lineno} of the pronunciation dictionary {path} is not a text-to-text mapping.",
                    lineno=lineno,
                    path=path,
                ),
                hint=tr('Each line must look like {"字": "<|Z|><|II4|>"}.'),
            )
        mapping.update(item)
    return mapping


def save_replace_dict(path: Path | str, mapping: Mapping[str, str]) -> None:
    """Write one ``{"surface": "replacement"}`` object per line, atomically."""
    for k, v in mapping.items():
        if not isinstance(k, str) or not k or not isinstance(v, str):
            raise TextInputError(
                tr("A pronunciation dictionary entry needs a non-empty text and a replacement."),
                detail=repr((k, v)),
            )
    body = "".join(json.dumps({k: v}, ensure_ascii=False) + "\n" for k, v in mapping.items())
    try:
        atomic_write_text(Path(path), body)
    except OSError as exc:
        raise InvalidInputError(
            tr("Could not write {name}.", name=Path(path).name),
            hint=tr("Choose another folder."),
            detail=str(exc),
        ) from exc


def overrides_from_replace_dict(mapping: Mapping[str, str]) -> list[PronunciationOverride]:
    """The file has no positions: each entry becomes an "everywhere" override."""
    return [PronunciationOverride(text, replacement, None) for text, replacement in mapping.items()]


def replace_dict_from_overrides(overrides: Iterable[PronunciationOverride]) -> dict[str, str]:
    """Each surface string once (the first override for it wins); positions are dropped."""
    mapping: dict[str, str] = {}
    for o in overrides:
        mapping.setdefault(o.text, o.replacement)
    return mapping


@dataclass(frozen=True)
class Protected:
    """Raw text with the chosen spans swapped for placeholders."""

    text: str
    surfaces: dict[str, str]  # placeholder -> the raw text it hides
    replacements: dict[str, str]  # placeholder -> what the model reads instead

    def substitute(self, text: str) -> str:
        return _sub(text, self.replacements)

    def restore(self, text: str) -> str:
        return _sub(text, self.surfaces)


def _sub(text: str, table: Mapping[str, str]) -> str:
    if not table or not placeholders.has_placeholder(text):
        return text
    return "".join(table.get(ch, ch) if placeholders.is_placeholder(ch) else ch for ch in text)


def protect(text: str, overrides: Iterable[PronunciationOverride]) -> Protected:
    """Swap every chosen occurrence for a placeholder.

    Spans chosen by explicit offsets win over "everywhere" overrides; two explicit spans that
    overlap are an error (the UI should never produce them). Offsets index the raw text.
    """
    explicit: list[tuple[int, int, PronunciationOverride]] = []
    everywhere: list[PronunciationOverride] = []
    for ov in overrides:
        if not ov.text:
            raise TextInputError(tr("A pronunciation override has no text to replace."))
        if ov.occurrences is None:
            everywhere.append(ov)
            continue
        for off in ov.occurrences:
            if off < 0 or text[off : off + len(ov.text)] != ov.text:
                raise TextInputError(
                    tr(
                        "The pronunciation override for {text} points at character {off}, where the text no longer has it.",
                        text=repr(ov.text),
                        off=off,
                    ),
                    hint=tr("Edit the override again after changing the text."),
                )
            explicit.append((off, off + len(ov.text), ov))
    explicit.sort(key=lambda s: (s[0], s[1]))
    for (_s1, e1, a), (s2, _e2, b) in zip(explicit, explicit[1:]):
        if s2 < e1:
            raise TextInputError(
                tr(
                    "Two pronunciation overrides overlap ({text} and {text2}).",
                    text=repr(a.text),
                    text2=repr(b.text),
                ),
                hint=tr("Remove one of them."),
            )
    spans = list(explicit)
    # taken[i]: character i already belongs to a span. Checking a candidate costs its own
    # length, so 16,000 occurrences cost 16,000 short checks, not 16,000 x 16,000.
    taken = bytearray(len(text))
    for start, end, _ov in explicit:
        taken[start:end] = b"\x01" * (end - start)
    # Longer "everywhere" surfaces first, so 银行 is taken before 行.
    for ov in sorted(everywhere, key=lambda o: -len(o.text)):
        start = text.find(ov.text)
        while start != -1:
            end = start + len(ov.text)
            if not any(taken[start:end]):
                spans.append((start, end, ov))
                taken[start:end] = b"\x01" * (end - start)
                start = text.find(ov.text, end)
            else:
                start = text.find(ov.text, start + 1)
    spans.sort(key=lambda s: s[0])
    # One placeholder per distinct (text, replacement), however often it occurs: the private-use
    # range holds 65,534 placeholders, and every occurrence of one override reads the same.
    out: list[str] = []
    surfaces: dict[str, str] = {}
    replacements: dict[str, str] = {}
    by_choice: dict[tuple[str, str], str] = {}
    pos = 0
    for start, end, ov in spans:
        key = (ov.text, ov.replacement)
        ph = by_choice.get(key)
        if ph is None:
            if len(by_choice) > placeholders.LAST - placeholders.FIRST:
                raise TextInputError(
                    tr("There are too many different pronunciation overrides in one text."),
                    hint=tr("Use fewer different overrides."),
                )
            ph = by_choice[key] = placeholders.make(len(by_choice))
            surfaces[ph] = ov.text
            replacements[ph] = ov.replacement
        out.append(placeholders.strip_all(text[pos:start]))
        out.append(ph)
        pos = end
    out.append(placeholders.strip_all(text[pos:]))
    return Protected("".join(out), surfaces, replacements)
