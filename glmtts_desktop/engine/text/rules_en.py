"""English-path normalisation (spec 2.2 step 3): wetext, then clean-up the model expects.

The model saw lower-case English with only ``. , ! ? ' : ;`` as punctuation, numbers as words
and one space after each mark; these rules produce exactly that shape.
"""

from __future__ import annotations

import functools
import logging
import re

from glmtts_desktop.engine.text import wetext_tn
from glmtts_desktop.engine.text.rules_zh import remove_brackets, replace_asterisk

log = logging.getLogger(__name__)

_KEEP = ".,!?':;"


@functools.lru_cache(maxsize=1)
def _inflect():
    import inflect

    return inflect.engine()


def spell_out_digits(text: str) -> str:
    """Every remaining run of digits becomes English words (``12`` -> ``twelve``)."""
    eng = _inflect()

    def words(m: re.Match[str]) -> str:
        run = m.group(0)
        try:
            return eng.number_to_words(run)
        except Exception:  # exotic Unicode digits inflect cannot read
            log.debug("inflect could not read %r", run)
            return run

    return re.sub(r"\d+", words, text)


def normalize_english(text: str) -> str:
    text = text.replace("'", "’")
    text = wetext_tn.normalize_en(text)
    text = remove_brackets(text, "en")
    # Deviation: the official rule writes "multiply" without spaces ("3multiply4"); the
    # spaces keep the word separate (whitespace is collapsed below).
    text = replace_asterisk(text, " multiply ", "0-9")
    text = text.replace("—", " ").replace("’", "'")
    text = spell_out_digits(text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"[^\w\s" + re.escape(_KEEP) + "]", "", text)
    text = text.lower()
    for p in _KEEP:
        text = re.sub(re.escape(p) + "+", p, text)
    text = re.sub(r"\s*([" + re.escape(_KEEP) + r"])\s*", r"\1 ", text)
    return text.strip()
