"""Cached wetext normalisers (Chinese and English TN), built once per process.

The official code uses WeTextProcessing, which needs pynini and rebuilds its FSTs at every
start (tens of seconds). ``wetext`` ships the same grammars precompiled and runs them with
kaldifst. Its cost grows faster than linearly with input length (a 20 000-character string
takes seconds), so long inputs are cut at sentence boundaries that no grammar spans and
normalised piece by piece.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

from glmtts_desktop.engine.text import placeholders

log = logging.getLogger(__name__)

_lock = threading.Lock()
_normalizers: tuple[Any, Any] | None = None

ZH_MAX_PIECE = 120  # longer Chinese inputs are cut into clauses
EN_MAX_PIECE = 400  # longer English inputs are cut between sentences

# Chinese: after full-width clause punctuation (no grammar spans it; digit-free clauses then
# skip the grammar entirely). English: after . ! ? ; and whitespace, but only where a
# sentence really ends (see _en_pieces), because wetext reads "No. 5" or "M. D. Smith" as units.
_ZH_BOUNDARY = re.compile(r"(?<=[。！？；，、\n])")
_EN_CANDIDATE = re.compile(r"(\S*)([.!?;])\s+(?=\S)")


def _get() -> tuple[Any, Any]:
    global _normalizers
    if _normalizers is None:
        with _lock:
            if _normalizers is None:
                t0 = time.perf_counter()
                from wetext import Normalizer

                # Same options as the official Chinese normaliser (WeTextProcessing defaults
                # included: traditional_to_simple=True, remove_puncts=False, tag_oov=False).
                zh = Normalizer(
                    lang="zh",
                    operator="tn",
                    remove_erhua=False,
                    full_to_half=True,
                    traditional_to_simple=True,
                    remove_interjections=False,
                    remove_puncts=False,
                    tag_oov=False,
                )
                en = Normalizer(lang="en", operator="tn")
                _normalizers = (zh, en)
                log.info("wetext normalisers ready in %.2f s", time.perf_counter() - t0)
    return _normalizers


def warm_up() -> None:
    """Load the grammars now (e.g. while the engine loads) instead of at the first request."""
    _get()


def normalize_zh(text: str) -> str:
    zh, _ = _get()
    return _around_placeholders(text, lambda t: _run(zh, _zh_pieces(t)))


def normalize_en(text: str) -> str:
    """English TN. Whitespace runs become one space first: wetext's English token parser
    asserts on two consecutive spaces (the rest of the English path collapses them anyway)."""
    _, en = _get()
    text = re.sub(r"\s+", " ", text)
    return _around_placeholders(text, lambda t: _run(en, _en_pieces(t)))


def _around_placeholders(text: str, run: Any) -> str:
    """Normalise the text between override placeholders; placeholders pass untouched.

    wetext happens to pass private-use characters through, but nothing promises that, and
    a placeholder next to a number could change what a grammar matches.
    """
    if not placeholders.has_placeholder(text):
        return run(text)
    out: list[str] = []
    for part in placeholders.split(text):
        if placeholders.is_placeholder(part):
            out.append(part)
            continue
        core = run(part)
        if not core:
            if part[:1].isspace() or part[-1:].isspace():
                out.append(" ")
            continue
        lead = " " if part[:1].isspace() else ""
        trail = " " if part[-1:].isspace() else ""
        out.append(lead + core + trail)
    return "".join(out)


def _run(normalizer: Any, pieces: list[str]) -> str:
    """Normalise each piece; a piece that started with whitespace is joined with a space."""
    out: list[str] = []
    with _lock:  # kaldifst objects are not documented as thread-safe
        for piece in pieces:
            if not piece.strip():
                continue
            try:
                result = normalizer.normalize(piece)
            except Exception:  # wetext asserts on some inputs (e.g. a tagger path with no tokens)
                # Seen on punctuation-only and escape-sequence input, where keeping the piece is
                # the right answer; its traceback is for developers (-vv), not the person's terminal.
                log.debug("wetext failed on %r; kept it unnormalised", piece[:80], exc_info=True)
                result = piece.strip()
            if out and piece[:1].isspace():
                out.append(" ")
            out.append(result)
    return "".join(out)


def _zh_pieces(text: str) -> list[str]:
    """Clauses of a long Chinese text, not merged again (see _ZH_BOUNDARY)."""
    if len(text) <= ZH_MAX_PIECE:
        return [text]
    pieces: list[str] = []
    for clause in _ZH_BOUNDARY.split(text):
        pieces.extend(_hard_cut(clause, ZH_MAX_PIECE))
    return pieces


def _en_pieces(text: str) -> list[str]:
    """Sentences of a long English text, merged up to EN_MAX_PIECE characters.

    A sentence ends at ! ? ; before whitespace, or at a period after a word of four or more
    letters or a number, before a capital letter or an opening quote/bracket.
    """
    if len(text) <= EN_MAX_PIECE:
        return [text]
    sentences: list[str] = []
    pos = 0
    for m in _EN_CANDIDATE.finditer(text):
        word, mark = m.group(1), m.group(2)
        nxt = text[m.end()]
        if mark == "." and not (
            (nxt.isupper() or nxt in "\"'([“‘") and ((word.isalpha() and len(word) >= 4) or word.isdigit())
        ):
            continue
        sentences.append(text[pos : m.end(2)])
        pos = m.end(2)  # the whitespace stays with the next sentence: it marks the join
    sentences.append(text[pos:])
    pieces: list[str] = []
    for sent in sentences:
        for part in _hard_cut(sent, EN_MAX_PIECE):
            if pieces and len(pieces[-1]) + len(part) <= EN_MAX_PIECE:
                pieces[-1] += part
            else:
                pieces.append(part)
    return pieces


def _hard_cut(sentence: str, limit: int) -> list[str]:
    """Cut a long sentence without boundaries where no TN grammar can span: between two CJK
    ideographs, or before a space between two letters."""
    out = []
    while len(sentence) > 2 * limit:
        cut = 0
        for i in range(limit, 0, -1):
            a, b = sentence[i - 1], sentence[i]
            if (_is_cjk(a) and _is_cjk(b)) or (
                b == " " and a.isalpha() and i + 1 < len(sentence) and sentence[i + 1].isalpha()
            ):
                cut = i
                break
        if cut == 0:
            break  # nothing safe: let wetext take the long piece
        out.append(sentence[:cut])
        sentence = sentence[cut:]
    out.append(sentence)
    return out


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"
