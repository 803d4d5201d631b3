"""Private-use placeholders that carry a user's pronunciation override through normalisation.

An override applies to chosen character offsets of the raw text, but normalisation rewrites
the text (numbers become words, punctuation folds, segments split). Each chosen span is
swapped for one placeholder character from Supplementary Private Use Area-A before
normalisation; every rule lets placeholders through untouched, and the replacement goes in
after normalisation and G2P.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

FIRST = 0xF0000
LAST = 0xFFFFD
CLASS = "\U000f0000-\U000ffffd"  # for use inside a regex character class
_ANY = re.compile(f"[{CLASS}]")


def make(index: int) -> str:
    if not 0 <= index <= LAST - FIRST:
        raise ValueError("too many pronunciation overrides in one text")
    return chr(FIRST + index)


def is_placeholder(ch: str) -> bool:
    return len(ch) == 1 and FIRST <= ord(ch) <= LAST


def has_placeholder(text: str) -> bool:
    return _ANY.search(text) is not None


def strip_all(text: str) -> str:
    """Remove placeholder-range characters a user may have typed (they are unspeakable)."""
    return _ANY.sub("", text)


def expand(text: str, surfaces: Mapping[str, str] | None) -> str:
    """Put each placeholder's surface text back (for language tests and display)."""
    if not surfaces:
        return text
    return _ANY.sub(lambda m: surfaces.get(m.group(0), ""), text)


def split(text: str) -> list[str]:
    """Pieces of ``text`` with every placeholder as its own piece."""
    return [p for p in re.split(f"([{CLASS}])", text) if p]
