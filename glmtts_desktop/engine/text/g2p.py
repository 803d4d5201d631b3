"""Phoneme mode (spec 2.4): replace ambiguous Chinese characters by phoneme tokens.

The model was trained with some characters written as pinyin phonemes (``<|SH|><|EN1|>`` for
参 read shēn), so a caller can force a reading. Characters with one common reading stay
characters (our own list, resources/text/g2p_keep_chars.json); every other Chinese character
gets the phonemes pypinyin chooses for its word (jieba segmentation gives the context).

Deviation for robustness: when pypinyin returns a different number of readings than the word
has characters (characters it does not know), that word's characters are kept as text instead
of shifting every later reading by one as the official alignment does.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable

from glmtts_desktop.engine.text.resources import resource_path

log = logging.getLogger(__name__)

_PHONEME_SUBST = str.maketrans({"嗯": "恩", "呣": "母"})  # readings pypinyin gets wrong
_RETROFLEX = {"zh", "ch", "sh", "r"}
_DENTAL = {"z", "c", "s"}

_jieba_lock = threading.Lock()


def is_chinese(ch: str) -> bool:
    """The official G2P definition of a Chinese character (wider than the TN one)."""
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


@functools.lru_cache(maxsize=1)
def keep_chars() -> frozenset[str]:
    doc = json.loads(resource_path("g2p_keep_chars.json").read_text(encoding="utf-8"))
    return frozenset(doc["chars"])


@functools.lru_cache(maxsize=1)
def _posseg() -> Callable[[str], list]:
    import jieba
    import jieba.posseg as psg

    jieba.setLogLevel(logging.WARNING)
    return psg.lcut


def syllables(run: str) -> list[tuple[str, str] | None]:
    """(initial, final) per character of a Chinese run, None where unknown.

    Finals use pypinyin's strict TONE3 form with 5 for the neutral tone, remapped to the
    model's ``ii``/``iii`` after z c s / zh ch sh r.
    """
    from pypinyin import Style, pinyin

    text = run.translate(_PHONEME_SUBST)
    with _jieba_lock:  # jieba's lazy dictionary load is not thread-safe
        words = [w for w, _ in _posseg()(text)]
    out: list[tuple[str, str] | None] = []
    for word in words:
        initials = pinyin(word, style=Style.INITIALS, strict=True, neutral_tone_with_five=True)
        finals = pinyin(word, style=Style.FINALS_TONE3, strict=True, neutral_tone_with_five=True)
        if len(initials) != len(word) or len(finals) != len(word):
            out.extend([None] * len(word))
            continue
        for ini_choices, fin_choices in zip(initials, finals):
            ini, fin = ini_choices[0], fin_choices[0]
            if not fin or not fin[-1].isdigit():
                out.append(None)  # pypinyin echoed an unknown character back
                continue
            out.append((ini, model_final(ini, fin)))
    return out


def model_final(initial: str, final: str) -> str:
    """The model's spelling of a pypinyin final: ``i…`` is ``iii…`` after zh ch sh r and ``ii…``
    after z c s (spec 2.4: the official re-mapping tests the first letter, not the whole final)."""
    if final.startswith("i"):
        if initial in _RETROFLEX:
            return "iii" + final[1:]
        if initial in _DENTAL:
            return "ii" + final[1:]
    return final


def phoneme_string(initial: str, final: str) -> str:
    """``("sh", "en1")`` -> ``<|SH|><|EN1|>``; zero initial -> just the final."""
    return "".join(f"<|{p.upper()}|>" for p in (initial, final) if p)


PHONEME_TOKEN_RE = re.compile(r"<\|([A-Z]+[1-5]?)\|>")  # one phoneme token: <|SH|>, <|EN1|>


def syllable_phonemes(tone3: str) -> str:
    """One pinyin syllable as the model's phoneme tokens, by the same rules as phoneme mode:
    ``xing2`` -> ``<|X|><|ING2|>``, ``shi4`` -> ``<|SH|><|III4|>``, ``wei2`` -> ``<|UEI2|>``.

    No tone means the neutral tone (5); ValueError when ``tone3`` is not a syllable.
    """
    from pypinyin.contrib.tone_convert import to_finals_tone3, to_initials  # lazy: 0.4 s import

    s = tone3.strip().lower().replace("ü", "v")
    if not s or not s[-1].isdigit():
        s += "5"
    initial = to_initials(s, strict=True) or ""
    final = to_finals_tone3(s, strict=True, neutral_tone_with_five=True) or ""
    if not final:
        raise ValueError(f"not a pinyin syllable: {tone3!r}")
    return phoneme_string(initial, model_final(initial, final))


def phonemes_to_pinyin(tokens: str) -> str:
    """A readable form of phoneme tokens: ``<|X|><|ING2|>`` -> ``x ing2`` (other text unchanged)."""
    found = PHONEME_TOKEN_RE.findall(tokens)
    return " ".join(t.lower() for t in found) if found else tokens


class G2P:
    """Turns a normalised segment into the phoneme-mode string the model reads.

    ``known_tokens`` is the tokenizer's set of phoneme tokens: a phoneme outside it would be
    split into meaningless BPE pieces, so such a character stays a character.
    """

    def __init__(self, known_tokens: Iterable[str], keep: frozenset[str] | None = None):
        self._known = frozenset(known_tokens)
        self._keep = keep if keep is not None else keep_chars()
        self._reported: set[str] = set()
        if len(self._known) < 21:  # not even the initials: this tokenizer has no phonemes
            log.warning(
                "the text tokenizer has %d phoneme tokens; phoneme mode will keep most characters as text",
                len(self._known),
            )

    def __call__(self, text: str, replace_dict: dict[str, str] | None = None) -> str:
        out: list[str] = []
        for fragment, replaced in split_by_dict(text, replace_dict or {}):
            if replaced:
                out.append(fragment)
                continue
            for run, zh in _runs(fragment):
                out.append(self._phonemize_run(run) if zh else run)
        return "".join(out)

    def _phonemize_run(self, run: str) -> str:
        try:
            sylls = syllables(run)
        except Exception:  # the official frontend also keeps the run as text on any failure
            log.warning("G2P failed for %r; kept as text", run, exc_info=True)
            return run
        if len(sylls) != len(run):
            log.warning("G2P alignment failed for %r; kept as text", run)
            return run
        out = []
        for ch, syl in zip(run, sylls):
            if ch in self._keep or syl is None:
                out.append(ch)
                continue
            tokens = phoneme_string(*syl)
            parts = [f"<|{p.upper()}|>" for p in syl if p]
            if all(p in self._known for p in parts):
                out.append(tokens)
            else:
                if tokens not in self._reported:  # once per reading, not per occurrence
                    self._reported.add(tokens)
                    log.info("no phoneme token for %s; kept %r as a character", tokens, ch)
                out.append(ch)
        return "".join(out)


def _runs(text: str) -> list[tuple[str, bool]]:
    """Maximal runs of Chinese / non-Chinese characters."""
    runs: list[tuple[str, bool]] = []
    for ch in text:
        zh = is_chinese(ch)
        if runs and runs[-1][1] == zh:
            runs[-1] = (runs[-1][0] + ch, zh)
        else:
            runs.append((ch, zh))
    return runs


def split_by_dict(text: str, mapping: dict[str, str]) -> list[tuple[str, bool]]:
    """Left-to-right, longest key first: (replacement, True) or (unmatched text, False)."""
    if not mapping:
        return [(text, False)] if text else []
    keys = sorted(mapping, key=len, reverse=True)
    by_first: dict[str, list[str]] = {}
    for k in keys:
        if k:
            by_first.setdefault(k[0], []).append(k)
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(text):
        hit = next((k for k in by_first.get(text[i], ()) if text.startswith(k, i)), None)
        if hit is not None:
            out.append((mapping[hit], True))
            i += len(hit)
            continue
        if out and not out[-1][1]:
            out[-1] = (out[-1][0] + text[i], False)
        else:
            out.append((text[i], False))
        i += 1
    return out
