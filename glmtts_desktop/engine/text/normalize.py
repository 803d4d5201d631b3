"""``text_normalize``: raw text to the exact string the GLM-TTS model was trained to read.

Spec 2.2. The same function serves the prompt transcript and every target segment, so any
change here changes what the model hears; keep it faithful to the official frontend.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

import emoji

from glmtts_desktop.engine.text import placeholders, wetext_tn
from glmtts_desktop.engine.text.rules_en import normalize_english
from glmtts_desktop.engine.text.rules_zh import (
    PUNCTUATION_CHARS,
    post_replace,
    pre_replace,
    special_replace,
)

log = logging.getLogger(__name__)

_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_LINE_ENDINGS = frozenset(".!?;:：。！？；，")
_P = re.escape(PUNCTUATION_CHARS)


def contains_chinese(text: str) -> bool:
    """The official test: any char in U+4E00..U+9FFF."""
    return _CHINESE.search(text) is not None


def preprocess(text: str) -> str:
    """Markdown list number, literal ``\\n``, line joining, emoji, hyphen between letters."""
    text = re.sub(r"^(\d+)\. ", r"\1。", text)
    text = text.replace("\\n", "\n")
    text = drop_controls(text)
    text = join_lines(text)
    text = emoji.replace_emoji(text, replace="")
    return re.sub(r"(?<=[a-zA-Z])-(?=[a-zA-Z])", " ", text)


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Terminal escape sequences as a whole (CSI "ESC [ 2 J", OSC "ESC ] 0;title BEL", two-byte ESC x).
_ESCAPE_SEQ = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
_CONTROL_SPACE = re.compile(r"[\t\x0b\x0c\r\x85]")


def drop_controls(text: str) -> str:
    """Control characters are never spoken: tabs and the like become a space (they separate
    words), the rest (escape sequences, bells, NUL) disappear instead of reaching the tokenizer
    as raw bytes. Newlines stay: join_lines gives each line its ending mark."""
    text = _ESCAPE_SEQ.sub("", text.replace("\r\n", "\n"))
    return _CONTROL.sub("", _CONTROL_SPACE.sub(" ", text))


def join_lines(text: str) -> str:
    """Drop empty lines and give every line an ending mark, then join the lines."""
    lines = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        if line[-1] not in _LINE_ENDINGS:
            line = line + ("。" if contains_chinese(line) else ". ")
        lines.append(line)
    joined = "".join(lines)
    return joined if contains_chinese(joined) else " ".join(lines)


def normalize_chinese(text: str) -> str:
    """The Chinese path, except that English phrases inside it are normalised as English.

    Deviation (issue 9): the official code runs Chinese TN over the whole of a mixed text, so
    "meet at 3:30 PM" inside a Chinese paragraph was read "下午三点三十分". A phrase of two or
    more English words (with the numbers between and after them) now goes through the English
    path; a lone word ("iPhone 15", "T恤") and numbers that belong to Chinese ("3个") do not.
    """
    out = []
    for is_english, part in split_english_phrases(text):
        if is_english:
            out.append(normalize_english(part))
        elif part.strip():
            out.append(_chinese_chain(part))
    return "".join(out)


def _chinese_chain(text: str) -> str:
    text = pre_replace(text)
    text = wetext_tn.normalize_zh(text)
    text = special_replace(text)
    return post_replace(text)


_EN_WORD = r"[A-Za-z][A-Za-z'’]*"
_EN_NUMBER = r"\d+(?:[:.,/]\d+)*%?"
_EN_SEP = r"(?:[ \t]*[,;:.!?][ \t]+|[ \t]+)"
_EN_PHRASE = re.compile(rf"{_EN_WORD}(?:{_EN_SEP}(?:{_EN_WORD}|{_EN_NUMBER}))+")
_TRAILING_NUMBER = re.compile(rf"{_EN_SEP}{_EN_NUMBER}$")
_WORD = re.compile(_EN_WORD)


def split_english_phrases(text: str) -> list[tuple[bool, str]]:
    """(is_english, piece) pieces of ``text``, in order; joined they are ``text`` again."""
    out: list[tuple[bool, str]] = []
    pos = 0
    for m in _EN_PHRASE.finditer(text):
        start, end = m.start(), m.end()
        phrase = m.group(0)
        if end < len(text) and _CHINESE.match(text[end]):
            trailing = _TRAILING_NUMBER.search(phrase)  # "I have 25个": 25 counts the 个
            if trailing:
                end -= len(trailing.group(0))
                phrase = text[start:end]
        if len(_WORD.findall(phrase)) < 2:
            continue
        if start > pos:
            out.append((False, text[pos:start]))
        out.append((True, phrase))
        pos = end
    if pos < len(text):
        out.append((False, text[pos:]))
    return out


def keep_meaningful_spaces(text: str, surfaces: Mapping[str, str] | None = None) -> str:
    """Keep a space only between two alphanumerics or after ``.,!?;:`` before one.

    An override placeholder counts as the neighbouring end of its surface text.
    """
    text = re.sub(r" +", " ", text)
    if " " not in text:
        return text
    out = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch != " ":
            out.append(ch)
            continue
        prev = _edge(text[i - 1], surfaces, last=True) if i > 0 else ""
        nxt = _edge(text[i + 1], surfaces, last=False) if i + 1 < n else ""
        if _ALNUM.fullmatch(nxt) and (_ALNUM.fullmatch(prev) or prev in _SPACE_PUNCT):
            out.append(" ")
    return "".join(out)


_ALNUM = re.compile(r"[A-Za-z0-9]")
_SPACE_PUNCT = frozenset(".,!?;:")


def _edge(ch: str, surfaces: Mapping[str, str] | None, *, last: bool) -> str:
    if surfaces and placeholders.is_placeholder(ch):
        surface = surfaces.get(ch, "")
        return (surface[-1:] if last else surface[:1]) or ch
    return ch


def normalize_punctuation(text: str, surfaces: Mapping[str, str] | None = None) -> str:
    text = keep_meaningful_spaces(text, surfaces)
    text = re.sub(f"([{_P}])\\1+", r"\1", text)
    text = re.sub(f"[{_P}](?=[{_P}])", "", text)
    return text.replace("#", "").replace("！", "。").replace("!", ".")


def ensure_ending(text: str, surfaces: Mapping[str, str] | None = None) -> str:
    """End with ``?`` as given, else with ``。``/``.`` (replacing another final mark)."""
    full = placeholders.expand(text, surfaces)
    last = _edge(text[-1], surfaces, last=True) if text else ""
    if last and last in "？?" and not placeholders.is_placeholder(text[-1]):
        return text
    end = "。" if contains_chinese(full) else "."
    if last and last in PUNCTUATION_CHARS and not placeholders.is_placeholder(text[-1]):
        return text[:-1] + end
    return text + end


def text_normalize(text: str, surfaces: Mapping[str, str] | None = None) -> str:
    """Spec 2.2 end to end. Empty or unspeakable input yields just an ending mark.

    ``surfaces`` maps override placeholders (see placeholders.py) to the raw text they stand
    for; they decide the language like the text they replace and pass through unchanged.
    """
    text = preprocess(text)
    if contains_chinese(placeholders.expand(text, surfaces)):
        text = normalize_chinese(text).lower()
    else:
        text = normalize_english(text)
    text = normalize_punctuation(text, surfaces)
    return ensure_ending(text, surfaces)
