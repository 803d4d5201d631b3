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
from typing import Any, Optional

from glmtts_desktop.engine.text import placeholders

log = logging.getLogger(__name__)

_lock = threading.Lock()
_normalizers: Optional[tuple[Any, Any]] = None

MAX_PIECE = 120  # longer inputs are cut into clauses; keeps the superlinear cost small

# Boundaries that no TN grammar crosses: full-width sentence punctuation, newlines, and an
# ASCII sentence end followed by whitespace.
_ZH_BOUNDARY = re.compile(r"(?<=[。！？；，、\n])")
_EN_BOUNDARY = re.compile(r"(?<=[.!?;])\s+")


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
                    lang="zh", operator="tn", remove_erhua=False, full_to_half=True,
                    traditional_to_simple=True, remove_interjections=False,
                    remove_puncts=False, tag_oov=False,
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
    return _around_placeholders(text, lambda t: _run(zh, _pieces(t, _ZH_BOUNDARY), joiner=""))


def normalize_en(text: str) -> str:
    """English TN. Whitespace runs become one space first: wetext's English token parser
    asserts on two consecutive spaces (the rest of the English path collapses them anyway)."""
    _, en = _get()
    text = re.sub(r"\s+", " ", text)
    return _around_placeholders(text, lambda t: _run(en, _pieces(t, _EN_BOUNDARY), joiner=" "))


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


def _run(normalizer: Any, pieces: list[tuple[str, bool]], joiner: str) -> str:
    out: list[str] = []
    with _lock:  # kaldifst objects are not documented as thread-safe
        for piece, spaced in pieces:
            if not piece.strip():
                continue
            try:
                result = normalizer.normalize(piece)
            except Exception:  # wetext asserts on some inputs (e.g. a tagger path with no tokens)
                log.warning("wetext failed on %r; kept it unnormalised", piece[:80], exc_info=True)
                result = piece.strip()
            if out and (spaced or joiner):
                out.append(" ")
            out.append(result)
    return "".join(out)


def _pieces(text: str, boundary: re.Pattern[str]) -> list[tuple[str, bool]]:
    """Cut a long ``text`` into clauses at safe boundaries (one wetext call each).

    Clauses are not merged again: wetext skips its grammar for Chinese pieces without digits,
    so small pieces make digit-free clauses nearly free.

    Each piece comes with whether whitespace separated it from the previous one, so the
    join keeps words apart but does not add spaces inside Chinese text.
    """
    if len(text) <= MAX_PIECE:
        return [(text, False)]
    sentences: list[tuple[str, bool]] = []
    pos = 0
    for m in boundary.finditer(text):
        if m.end() > pos:
            sentences.append((text[pos : m.start()], bool(sentences) and _ws_before(text, pos)))
            pos = m.end()
    sentences.append((text[pos:], bool(sentences) and _ws_before(text, pos)))
    pieces: list[tuple[str, bool]] = []
    for sent, spaced in sentences:
        for k, part in enumerate(_hard_cut(sent)):
            pieces.append((part, spaced if k == 0 else False))
    return pieces


def _ws_before(text: str, pos: int) -> bool:
    return pos > 0 and text[pos - 1].isspace()


def _hard_cut(sentence: str) -> list[str]:
    """Cut a long sentence without boundaries where no TN grammar can span: between two CJK
    ideographs, or at a space between two letters."""
    out = []
    while len(sentence) > 2 * MAX_PIECE:
        cut = 0
        for i in range(MAX_PIECE, 0, -1):
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
