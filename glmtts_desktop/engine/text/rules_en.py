"""English-path normalisation (spec 2.2 step 3): wetext, then clean-up the model expects.

The model saw lower-case English with only ``. , ! ? ' : ;`` as punctuation, numbers as words
and one space after each mark; these rules produce exactly that shape.
"""

from __future__ import annotations

import logging
import re

from glmtts_desktop.engine.text import placeholders, wetext_tn
from glmtts_desktop.engine.text.en_numbers import digits_to_words
from glmtts_desktop.engine.text.rules_zh import remove_brackets, replace_asterisk

log = logging.getLogger(__name__)

_KEEP = ".,!?':;"
# Text already in the shape this path produces. wetext's English grammar leaves such text
# unchanged (checked on hundreds of segments, and by a test), so the second normalisation of
# every segment can skip it; that halves the cost of long English texts.
_PLAIN = re.compile(r"[a-z’ .,!?:;]*")


def spell_out_digits(text: str) -> str:
    """Every remaining run of ASCII digits becomes English words (``12`` -> ``twelve``)."""
    return re.sub(r"[0-9]+", lambda m: digits_to_words(m.group(0)), text)


def normalize_english(text: str) -> str:
    text = text.replace("'", "’")
    text = text.strip() if _PLAIN.fullmatch(text) else wetext_tn.normalize_en(text)
    text = remove_brackets(text, "en")
    # Deviation: the official rule writes "multiply" without spaces ("3multiply4"); the
    # spaces keep the word separate (whitespace is collapsed below).
    text = replace_asterisk(text, " multiply ", "0-9")
    text = text.replace("—", " ").replace("’", "'")
    text = spell_out_digits(text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"[^\w\s" + re.escape(_KEEP) + placeholders.CLASS + "]", "", text)
    text = text.lower()
    for p in _KEEP:
        text = re.sub(re.escape(p) + "+", p, text)
    text = re.sub(r"\s*([" + re.escape(_KEEP) + r"])\s*", r"\1 ", text)
    return text.strip()
