"""English number words for digit runs left after TN, in ``inflect.number_to_words`` style.

The official frontend spells leftover digits with inflect; importing inflect costs seconds
(its type-checking instrumentation), so we write the same words ourselves: groups of three
joined by ", ", "and" inside a hundred and before a final group below one hundred,
hyphenated tens ("forty-five"); leading zeros are ignored ("007" -> "seven").
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = (
    "",
    " thousand",
    " million",
    " billion",
    " trillion",
    " quadrillion",
    " quintillion",
    " sextillion",
    " septillion",
    " octillion",
    " nonillion",
)


def _below_hundred(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _below_hundred(rest)
    words = f"{_ONES[hundreds]} hundred"
    return words + (f" and {_below_hundred(rest)}" if rest else "")


def digits_to_words(digits: str) -> str:
    """``"1234"`` -> ``"one thousand, two hundred and thirty-four"``.

    Numbers of 10^33 and more (inflect raises there) are read digit by digit.
    """
    n = int(digits)
    if n == 0:
        return "zero"
    if n >= 10 ** (3 * len(_SCALES)):
        return " ".join(_ONES[int(d)] for d in digits)
    groups = []
    while n:
        n, g = divmod(n, 1000)
        groups.append(g)
    parts: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        g = groups[index]
        if g == 0:
            continue
        words = _below_thousand(g) + _SCALES[index]
        if parts:
            sep = " and " if index == 0 and g < 100 else ", "
            parts.append(sep)
        parts.append(words)
    return "".join(parts)
