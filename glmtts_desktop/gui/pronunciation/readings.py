"""Candidate readings of a Chinese character or word, as display pinyin and as model tokens.

The model reads phonemes as added tokens, e.g. 行 xíng -> ``<|X|><|ING2|>``. The rules that
turn pinyin into those tokens live in one place, ``engine.text.g2p`` (the engine's phoneme mode
uses them too), so an override reads exactly like the model's own phoneme mode.
"""

from __future__ import annotations

import functools
import itertools
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

MAX_COMBINATIONS = 12


@dataclass(frozen=True)
class Reading:
    pinyin: str  # with tone marks, for people: "xíng"
    tone3: str  # "xing2"
    tokens: str  # "<|X|><|ING2|>"


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
    from glmtts_desktop.engine.text.g2p import PHONEME_TOKEN_RE

    inv = _inventory()
    return not inv or all(t in inv for t in PHONEME_TOKEN_RE.findall(tokens))


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
    from glmtts_desktop.engine.text.g2p import is_chinese, syllable_phonemes  # lazy: not at start-up

    chars = [c for c in text if not c.isspace()]
    if not chars or not all(is_chinese(c) for c in chars):
        return []
    from pypinyin import Style, pinyin
    from pypinyin.contrib.tone_convert import to_tone3

    word = "".join(chars)
    out: list[Reading] = []

    def add(marks: list[str], tone3s: list[str]) -> None:
        try:
            tokens = "".join(syllable_phonemes(t) for t in tone3s)
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


def context_tokens(text: str, start: int, length: int) -> str | None:
    """How the selected characters are read in their sentence, as phoneme tokens.

    The same word-level reading the engine's phoneme mode uses (jieba words, pypinyin phrase
    dictionary): 行 is háng in 银行 and xíng in 行走. None when the selection is not Chinese
    or the dictionary does not know it.
    """
    from glmtts_desktop.engine.text.g2p import is_chinese, phoneme_string, syllables

    end = start + length
    if length <= 0 or end > len(text) or not all(is_chinese(c) for c in text[start:end]):
        return None
    lo, hi = start, end
    while lo > 0 and is_chinese(text[lo - 1]) and start - lo < 20:
        lo -= 1
    while hi < len(text) and is_chinese(text[hi]) and hi - end < 20:
        hi += 1
    found = syllables(text[lo:hi])[start - lo : end - lo]
    if len(found) != length or any(s is None for s in found):
        return None
    return "".join(phoneme_string(*s) for s in found if s is not None)
