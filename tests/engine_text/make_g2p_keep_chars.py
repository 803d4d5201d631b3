"""Generate resources/text/g2p_keep_chars.json (run by hand; not a test).

In phoneme mode a Chinese character is either kept as a character or replaced by phoneme
tokens. The model was trained with common characters of one practical reading written as
characters and the others as phonemes, so the list should hold exactly the characters whose
reading a reader never has to guess. Our rule, in two sentences:

  A character is kept when it is among the 3 500 most frequent characters of jieba's
  dictionary and pypinyin reads it with its default reading in at least 99.9 % of its uses
  (the jieba-frequency-weighted uses inside jieba's dictionary words, where a neutral-tone
  variant and the tone sandhi of 一/不 count as the same reading). Every other character, the
  rarer ones included, is phonemised — except 的, which the spec names as kept.

Details and why:
  * Uses: every jieba dictionary word (single characters included) counts with its jieba
    frequency once per position of the character; the reading at that position is what
    pypinyin gives for the whole word (its phrase dictionary supplies context readings such as
    银行 háng), i.e. exactly what our G2P would emit for that word.
  * Default reading: pypinyin's first reading of the lone character (what it emits for a
    one-character word).
  * Same reading: equal TONE3 syllables; or equal syllables where one is the neutral tone
    (吗 ma5, 们 men5); or, for 一 and 不 only (the two characters with lexical tone sandhi),
    equal syllables with any tone.
  * 3 500: the size of the standard list of common characters; characters outside the common
    set are rare in speech and read more safely from phonemes.
  * 99.9 %: "practically one reading". Stricter shares (no alternative use at all) reject
    characters over pypinyin data slips; looser ones keep true polyphones whose rare reading
    still matters (和 hè/huó is 0.2 % of its uses, 中 zhòng 0.7 %, 好 hào 2.4 %).
  * 的 is the one exception. Its dì/dí readings (目的, 的确) are 3.9 % of its weighted uses, more
    than for 和 or 中, so no threshold on this data keeps 的 and phonemises those; the spec states
    the official frontend keeps it, and phonemising the most frequent particle would replace
    one character in ~25 of ordinary text. The rule itself never looks at any other list.

Usage: .venv/bin/python tests/engine_text/make_g2p_keep_chars.py   (~30 s)
"""

from __future__ import annotations

import collections
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

TOP_N = 3500
MAX_OTHER_SHARE = 0.001
SPEC_KEEP = "的"  # kept by the spec, see the module docstring
SANDHI_CHARS = "一不"
OUT = Path(__file__).resolve().parents[2] / "resources" / "text" / "g2p_keep_chars.json"

# reading(word) -> one TONE3 reading (neutral tone = 5) per character, None where unknown
Reader = Callable[[str], list[str | None]]


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def same_reading(ch: str, default: str, reading: str) -> bool:
    """True when ``reading`` is not a different reading of ``ch`` for our purpose."""
    if reading == default:
        return True
    if reading[:-1] != default[:-1]:
        return False
    return "5" in (reading[-1], default[-1]) or ch in SANDHI_CHARS


def char_usage(
    words: Iterable[tuple[str, int]], read: Reader, default: Callable[[str], str | None]
) -> tuple[collections.Counter, collections.Counter]:
    """(weighted uses, weighted uses with another reading) per Chinese character."""
    uses: collections.Counter[str] = collections.Counter()
    other: collections.Counter[str] = collections.Counter()
    for word, freq in words:
        if not all(is_cjk(ch) for ch in word):
            continue
        readings = read(word)
        if len(readings) != len(word):
            continue  # pypinyin could not align this word; it says nothing about its characters
        for ch, reading in zip(word, readings):
            base = default(ch)
            if reading is None or base is None:
                continue
            uses[ch] += freq
            if not same_reading(ch, base, reading):
                other[ch] += freq
    return uses, other


def select(
    uses: collections.Counter,
    other: collections.Counter,
    top_n: int = TOP_N,
    max_other_share: float = MAX_OTHER_SHARE,
    spec_keep: str = SPEC_KEEP,
) -> list[str]:
    """The rule: frequent enough and practically one reading (plus the spec's exception)."""
    frequent = [ch for ch, _ in uses.most_common(top_n)]
    keep = {ch for ch in frequent if other[ch] <= max_other_share * uses[ch]}
    return sorted(keep | set(spec_keep))


def jieba_words() -> list[tuple[str, int]]:
    import jieba

    out = []
    with (Path(jieba.__file__).parent / "dict.txt").open(encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                out.append((parts[0], int(parts[1])))
    return out


def pypinyin_reader() -> tuple[Reader, Callable[[str], str | None]]:
    from pypinyin import Style, pinyin
    from pypinyin.contrib.tone_convert import to_tone3
    from pypinyin.pinyin_dict import pinyin_dict

    def read(word: str) -> list[str | None]:
        return [
            r[0]
            for r in pinyin(
                word, style=Style.TONE3, neutral_tone_with_five=True, strict=True, errors="ignore"
            )
        ]

    def default(ch: str) -> str | None:
        entry = pinyin_dict.get(ord(ch))
        return to_tone3(entry.split(",")[0], neutral_tone_with_five=True) if entry else None

    return read, default


def keep_chars() -> list[str]:
    read, default = pypinyin_reader()
    uses, other = char_usage(jieba_words(), read, default)
    return select(uses, other)


def main() -> int:
    import jieba
    import pypinyin

    from glmtts_desktop.fsutil import atomic_write_text

    chars = keep_chars()
    doc = {
        "about": "Chinese characters kept as characters in phoneme mode (GLM-TTS Desktop's own "
        f"list): among the {TOP_N} most frequent characters of jieba's dictionary and "
        f"read with pypinyin's default reading in at least {100 * (1 - MAX_OTHER_SHARE):g} % "
        "of their frequency-weighted uses in jieba's words (neutral tone and 一/不 sandhi "
        f"count as the same reading), plus {SPEC_KEEP} (kept per the spec). Generated by "
        "tests/engine_text/make_g2p_keep_chars.py.",
        "generated_with": {"pypinyin": pypinyin.__version__, "jieba": jieba.__version__},
        "chars": "".join(chars),
    }
    atomic_write_text(OUT, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {len(chars)} characters to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
