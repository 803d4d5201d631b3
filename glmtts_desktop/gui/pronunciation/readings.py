"""Candidate readings of a Chinese character or word, as display pinyin and as model tokens.

The model reads phonemes as added tokens: the initial and the tonal final, upper-cased and
wrapped, e.g. 行 xíng -> ``<|X|><|ING2|>``, 为 wéi (zero initial) -> ``<|UEI2|>``. Finals use
pypinyin's strict form (iou, uei, uen, v), ``i`` after zh/ch/sh/r becomes ``iii`` and after
z/c/s ``ii``, and the neutral tone is 5 — the same rules the official G2P uses (spec §2.4), so
an override reads exactly like the model's own phoneme mode.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)

MAX_COMBINATIONS = 12
_RETROFLEX = ("zh", "ch", "sh", "r")
_DENTAL = ("z", "c", "s")
_TOKEN_RE = re.compile(r"<\|([A-Z]+[1-5]?)\|>")


@dataclass(frozen=True)
class Reading:
    pinyin: str  # with tone marks, for people: "xíng"
    tone3: str  # "xing2"
    tokens: str  # "<|X|><|ING2|>"


def is_chinese(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2EBEF
        or 0x30000 <= cp <= 0x323AF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
        or 0x2E80 <= cp <= 0x2EFF
    )


def syllable_tokens(tone3: str) -> str:
    """``xing2`` -> ``<|X|><|ING2|>``; ``shi4`` -> ``<|SH|><|III4|>``; ``wei2`` -> ``<|UEI2|>``."""
    from pypinyin.contrib.tone_convert import to_finals_tone3, to_initials  # lazy: 0.4 s import

    s = tone3.strip().lower().replace("ü", "v")
    if not s or not s[-1].isdigit():
        s += "5"
    initial = to_initials(s, strict=True) or ""
    final = to_finals_tone3(s, strict=True, neutral_tone_with_five=True) or ""
    if not final:
        raise ValueError(f"not a pinyin syllable: {tone3!r}")
    if final[:-1] == "i":
        if initial in _RETROFLEX:
            final = "iii" + final[1:]
        elif initial in _DENTAL:
            final = "ii" + final[1:]
    parts = ([initial] if initial else []) + [final]
    return "".join(f"<|{p.upper()}|>" for p in parts)


@functools.lru_cache(maxsize=1)
def _inventory() -> frozenset[str]:
    """The phonemes the tokenizer knows; a reading outside it would be split into BPE pieces."""
    try:
        from glmtts_desktop.engine.text.resources import phoneme_inventory

        return frozenset(phoneme_inventory())
    except Exception:  # noqa: BLE001 - without the table, accept every reading
        log.warning("phoneme inventory unavailable; not filtering readings", exc_info=True)
        return frozenset()


def known_tokens(tokens: str) -> bool:
    inv = _inventory()
    return not inv or all(t in inv for t in _TOKEN_RE.findall(tokens))


def tokens_to_pinyin(tokens: str) -> str:
    """A readable form of a token string for the overrides table: ``<|X|><|ING2|>`` -> ``x ing2``."""
    found = _TOKEN_RE.findall(tokens)
    return " ".join(t.lower() for t in found) if found else tokens


def _char_readings(ch: str) -> list[tuple[str, str]]:
    """(marked, tone3) pairs for one character, most common first."""
    from pypinyin import Style, pinyin
    from pypinyin.contrib.tone_convert import to_tone3

    marked = pinyin(ch, style=Style.TONE, heteronym=True, errors="ignore")
    if not marked or not marked[0]:
        return []
    out: list[tuple[str, str]] = []
    for m in marked[0]:
        t3 = to_tone3(m, neutral_tone_with_five=True)
        if (m, t3) not in out:
            out.append((m, t3))
    return out


def readings(text: str) -> list[Reading]:
    """Readings of a character or a short word; for a word the dictionary's reading comes first.

    Empty when the selection holds no Chinese character (the popup then stays closed).
    """
    chars = [c for c in text if not c.isspace()]
    if not chars or not all(is_chinese(c) for c in chars):
        return []
    from pypinyin import Style, pinyin
    from pypinyin.contrib.tone_convert import to_tone3

    word = "".join(chars)
    out: list[Reading] = []

    def add(marks: list[str], tone3s: list[str]) -> None:
        try:
            tokens = "".join(syllable_tokens(t) for t in tone3s)
        except ValueError:
            log.debug("no tokens for %s", tone3s)
            return
        r = Reading(" ".join(marks), " ".join(tone3s), tokens)
        if r not in out and known_tokens(tokens):
            out.append(r)

    if len(chars) > 1:  # the phrase dictionary knows the reading in context
        ctx = pinyin(word, style=Style.TONE, errors="ignore")
        if len(ctx) == len(chars):
            marks = [c[0] for c in ctx]
            add(marks, [to_tone3(m, neutral_tone_with_five=True) for m in marks])
    per_char = [_char_readings(c) for c in chars]
    if any(not r for r in per_char):
        return out
    for combo in itertools.islice(itertools.product(*per_char), MAX_COMBINATIONS):
        add([m for m, _ in combo], [t for _, t in combo])
    return out
