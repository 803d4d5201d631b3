"""Long-text splitting (spec 2.3, ``split_by_len`` with min 30 / max 60).

The model was trained on short utterances; the official pipeline cuts long text into pieces
of about 30-60 "Chinese-character equivalents" (an English syllable counts 0.7) at
punctuation, and hard-cuts pieces that are still too long.

Deviation from the official code: its hard cut tests the *weight* (> 60) but cuts by *unit
index* 60, so an English sentence of weight > 60 with 60 units or fewer raises IndexError
(the official batch mode then skips the item). Here such a sentence is cut by weight instead:
the longest prefix of weight <= 60 (at least one unit), extended by one unit when the next unit
is a punctuation mark, as the index rule does.

Second deviation, for runs no real text has: a "word" of more than LONG_WORD letters (pasted
kana, Hangul or Thai without spaces, a URL, a hash) used to be one unit, so 3,000 such
characters became one segment and "The prompt is too long for the model". Such a run is cut
into single characters when it is not ASCII (each is about a syllable, like a CJK character)
and into WORD_CHUNK-letter pieces when it is; and a piece of the index cut that still weighs
more than twice ``max_len`` is cut by weight instead. Ordinary text never meets either rule.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Mapping

from glmtts_desktop.engine.text import placeholders
from glmtts_desktop.engine.text.rules_zh import PUNCTUATION_CHARS

log = logging.getLogger(__name__)

MIN_LEN = 30
MAX_LEN = 60
EN_SYLLABLE_WEIGHT = 0.7

LONG_WORD = 32  # no dictionary word is this long except a handful of curiosities
WORD_CHUNK = 12

_PUNCT = frozenset(PUNCTUATION_CHARS)
_VOWEL_GROUPS = re.compile(r"(?!e$)[aeiouy]+", re.IGNORECASE)
_ONLY_FINAL_E = re.compile(r"[^aeiouy]*e", re.IGNORECASE)


def _is_cjk(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return "CJK" in name or "IDEOGRAPH" in name


def split_units(text: str) -> list[str]:
    """CJK chars and other symbols are single units; letters (with inner ``'``/``-``) form
    word units; whitespace is glued to the unit before it."""
    raw: list[str] = []
    word: list[str] = []
    for ch in text:
        if not _is_cjk(ch) and (ch.isalpha() or (word and ch in "'-")):
            word.append(ch)
            continue
        if word:
            raw.append("".join(word))
            word = []
        raw.append(ch)
    if word:
        raw.append("".join(word))
    units: list[str] = []
    for u in _break_long_words(raw):
        if u.isspace() and units:
            units[-1] += u
        else:
            units.append(u)
    return units


def _break_long_words(raw: list[str]) -> list[str]:
    out: list[str] = []
    for u in raw:
        if len(u) <= LONG_WORD or not u[0].isalpha():
            out.append(u)
        elif u.isascii():
            out.extend(u[i : i + WORD_CHUNK] for i in range(0, len(u), WORD_CHUNK))
        else:
            out.extend(u)
    return out


def _fallback_syllables(word: str) -> int:
    word = word.lower()
    n = len(_VOWEL_GROUPS.findall(word))
    if _ONLY_FINAL_E.fullmatch(word):
        n += 1
    return max(n, 1)


@functools.lru_cache(maxsize=65536)
def syllables(word: str) -> int:
    """CMUdict syllable count (first pronunciation), else the vowel-group estimate."""
    import pronouncing

    phones = pronouncing.phones_for_word(word)
    if phones:
        return pronouncing.syllable_count(phones[0])
    return _fallback_syllables(word)


def unit_weight(unit: str) -> float:
    s = unit.strip()
    if s and s.isalpha() and s.isascii():
        return syllables(s) * EN_SYLLABLE_WEIGHT
    return 1


def weight(units: list[str]) -> float:
    total: float = 0
    for u in units:
        total += unit_weight(u)
    return total


def unit_weights(units: list[str], surfaces: Mapping[str, str] | None = None) -> list[float]:
    """Weight per unit; an override placeholder weighs what its surface text weighs."""
    out: list[float] = []
    for u in units:
        s = u.strip()
        if surfaces and placeholders.is_placeholder(s) and surfaces.get(s):
            out.append(weight(split_units(surfaces[s])))
        else:
            out.append(unit_weight(u))
    return out


def min_sentences(
    units: list[str], weights: list[float], min_len: float = MIN_LEN
) -> list[tuple[list[str], list[float]]]:
    """Close a sentence at a punctuation unit once it weighs at least ``min_len``."""
    out: list[tuple[list[str], list[float]]] = []
    cur: list[str] = []
    cur_w: list[float] = []
    total: float = 0
    for u, w in zip(units, weights):
        cur.append(u)
        cur_w.append(w)
        total += w
        if u.strip() in _PUNCT and total >= min_len:
            out.append((cur, cur_w))
            cur, cur_w, total = [], [], 0
    if cur:
        out.append((cur, cur_w))
    return out


def hard_split(sentences: list[tuple[list[str], list[float]]], max_len: int = MAX_LEN) -> list[list[str]]:
    out: list[list[str]] = []
    for sent, weights in sentences:
        # heavy[i]: units of weight >= 0.7 among the first i. A tail with more than
        # max_len / 0.7 of them is certainly too heavy, so only short tails are summed: linear
        # even for a 20 000-unit sentence, and the sum is the official left-to-right float sum.
        heavy = [0]
        for w in weights:
            heavy.append(heavy[-1] + (w >= EN_SYLLABLE_WEIGHT))
        start = 0
        while _heavier_than(weights, heavy, start, max_len):
            cut = start + max_len  # official rule: cut at unit index max_len
            if len(sent) - start <= max_len or _sum(weights, start, cut) > 2 * max_len:
                cut = _weight_cut(weights, start, max_len)
            if cut < len(sent) and sent[cut].strip() in _PUNCT:
                cut += 1  # never start the next piece with a punctuation mark
            out.append(sent[start:cut])
            start = cut
        if start < len(sent):
            out.append(sent[start:])
    return out


def _heavier_than(weights: list[float], heavy: list[int], start: int, max_len: int) -> bool:
    if (heavy[-1] - heavy[start]) * EN_SYLLABLE_WEIGHT > max_len + 1:
        return True
    total: float = 0
    for w in weights[start:]:
        total += w
    return total > max_len


def _sum(weights: list[float], start: int, end: int) -> float:
    total: float = 0
    for w in weights[start:end]:
        total += w
    return total


def _weight_cut(weights: list[float], start: int, max_len: int) -> int:
    total: float = 0
    i = start
    while i < len(weights) and total + weights[i] <= max_len:
        total += weights[i]
        i += 1
    return max(i, start + 1)


def split_by_len(
    text: str,
    min_len: int = MIN_LEN,
    max_len: int = MAX_LEN,
    surfaces: Mapping[str, str] | None = None,
) -> list[str]:
    """Segments of ``text`` (already normalised), concatenated units, trailing spaces kept."""
    units = split_units(text)
    pieces = hard_split(min_sentences(units, unit_weights(units, surfaces), min_len), max_len)
    return ["".join(p) for p in pieces]
