"""Chinese-path rewrite rules around wetext (spec 2.2 step 2).

They exist because the model was trained on text that went through exactly these rewrites:
symbols the TN grammar leaves alone are spelled out, brackets and quotes disappear, and
punctuation is folded into the few marks the model knows.
"""

from __future__ import annotations

import logging
import re

from glmtts_desktop.engine.text.resources import custom_replacements

log = logging.getLogger(__name__)

PUNCTUATION_CHARS = "。？！；：、.?!;:，,"

_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
_BIG_UNITS = ("", "万", "亿", "万亿")

_SCI = re.compile(r"(-?\d+(?:\.\d+)?)[*x×](\d+(?:\.\d+)?)\^(-?\d+(?:\.\d+)?)")


def int_to_chinese(n: int) -> str:
    """Read an integer the everyday way (10 -> 十, 105 -> 一百零五); digits past 10^16."""
    if n < 0:
        return "负" + int_to_chinese(-n)
    if n == 0:
        return "零"
    if n >= 10**16:
        return "".join(_DIGITS[int(d)] for d in str(n))
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = ""
    need_zero = False
    for gi in range(len(groups) - 1, -1, -1):
        g = groups[gi]
        if g == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or g < 1000):
            out += "零"
        out += _group_to_chinese(g) + _BIG_UNITS[gi]
        need_zero = False
    if out.startswith("一十"):
        out = out[1:]
    return out


def _group_to_chinese(g: int) -> str:
    digits = [(g // 10**k) % 10 for k in (3, 2, 1, 0)]
    out = ""
    zero = False
    started = False
    for k, d in zip((3, 2, 1, 0), digits):
        if d == 0:
            zero = started
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + _SMALL_UNITS[k]
        started = True
    return out


def number_to_chinese(s: str) -> str:
    """Read a decimal string (``-2.50`` -> 负二点五), as the scientific-notation rule needs."""
    neg = s.startswith("-")
    s = s.lstrip("-")
    int_part, _, frac = s.partition(".")
    frac = frac.rstrip("0")
    out = int_to_chinese(int(int_part or "0"))
    if frac:
        out += "点" + "".join(_DIGITS[int(d)] for d in frac)
    return ("负" + out) if neg and out != "零" else out


def scientific_notation(text: str) -> str:
    """Rewrite the first ``a×b^c`` as words (official: one whole-string match)."""
    m = _SCI.search(text)
    if not m:
        return text
    base, mult, exp = m.groups()
    words = f"{number_to_chinese(base)}乘{number_to_chinese(mult)}的{number_to_chinese(exp)}次方"
    return text[: m.start()] + words + text[m.end() :]


def pre_replace(text: str) -> str:
    """Rewrites before wetext: science notation, minus signs, 咯, custom replacements."""
    text = scientific_notation(text)
    text = re.sub(r"(?<=\d)\s*-\s*(?=\d)", "减", text)
    text = text.replace("-", "")
    text = re.sub("咯(?=[" + re.escape(PUNCTUATION_CHARS) + "])", "喽", text)
    for origin, new in custom_replacements():
        text = text.replace(origin, new)
    return text


def replace_asterisk(text: str, word: str, number_chars: str) -> str:
    """``*`` between numbers/letters (optionally ``)*`` or ``*(``) becomes ``word``; others go."""
    n = f"[{number_chars}a-zA-Z]"
    pattern = rf"(?:(?<={n})|(?<={n}\)))\s*\*\s*(?=\(?{n})"
    return re.sub(pattern, word, text).replace("*", "")


def special_replace(text: str) -> str:
    """Rewrites right after wetext: backslashes, 额 as an interjection, tildes, asterisks."""
    text = text.replace("\\", "")
    text = re.sub(r"(?<=\W)额(?=\W)", "呃", f" {text} ")
    text = re.sub(r"[~～]+", "。", text)
    text = replace_asterisk(text, "乘", "一二三四五六七八九十百千万亿")
    return text.strip()


_BRACKETS_ZH = "()（）【】「」`《》『』{}[]‘’"
_BRACKETS_EN = "()（）【】「」`《》『』{}[]"

_SYMBOLS = (
    ("†", "，"),
    ("²", "平方"),
    ("³", "立方"),
    ("/", "每"),
    ("~", "到"),
    ("～", "到"),
    ("①", "一"),
    ("②", "二"),
    ("③", "三"),
    ("④", "四"),
    ("⑤", "五"),
    ("⑥", "六"),
    ("⑦", "七"),
    ("⑧", "八"),
    ("⑨", "九"),
    ("⑩", "十"),
    ("α", "阿尔法"),
    ("β", "贝塔"),
    ("γ", "伽玛"),
    ("Γ", "伽玛"),
    ("δ", "德尔塔"),
    ("Δ", "德尔塔"),
    ("△", "德尔塔"),
    ("ε", "艾普西龙"),
    ("ζ", "捷塔"),
    ("η", "依塔"),
    ("θ", "西塔"),
    ("Θ", "西塔"),
    ("ι", "艾欧塔"),
    ("κ", "喀帕"),
    ("λ", "拉姆达"),
    ("Λ", "拉姆达"),
    ("μ", "缪"),
    ("ν", "拗"),
    ("ξ", "克西"),
    ("Ξ", "克西"),
    ("ο", "欧米克伦"),
    ("π", "派"),
    ("Π", "派"),
    ("ρ", "肉"),
    ("ς", "西格玛"),
    ("Σ", "西格玛"),
    ("σ", "西格玛"),
    ("τ", "套"),
    ("υ", "宇普西龙"),
    ("φ", "服艾"),
    ("Φ", "服艾"),
    ("χ", "器"),
    ("ψ", "普赛"),
    ("Ψ", "普赛"),
    ("ω", "欧米伽"),
    ("Ω", "欧米伽"),
    ("□", "方框"),
    (">", "大于"),
    ("<", "小于"),
    ("∈", "属于"),
    ("∉", "不属于"),
    ("∪", "并"),
    ("∩", "交"),
    ("⊥", "垂直"),
    ("∥", "平行"),
    ("≠", "不等于"),
    ("∵", "因为"),
    ("∴", "所以"),
    ("∅", "空集"),
    ("⊂", "真包含于"),
    ("⊃", "包含"),
    ("⊆", "包含于"),
    ("⊇", "真包含"),
    ("⊄", "不属于"),
    ("⊅", "非超集"),
    ("⊈", "不属于"),
    ("⊉", "非超集"),
)


def remove_brackets(text: str, lang: str = "zh") -> str:
    chars = _BRACKETS_ZH if lang == "zh" else _BRACKETS_EN
    return text.translate({ord(c): None for c in chars})


def post_replace(text: str) -> str:
    """Rewrites at the end of the Chinese path: brackets, punctuation folding, symbol words."""
    text = remove_brackets(text, "zh")
    text = text.replace(" - ", "，").replace("——", "，")
    text = re.sub(r"[,:：;；、]+", "，", text)
    text = re.sub(r"[.…]+", "。", text)
    text = re.sub(r"[_·]+", "", text)
    text = re.sub(r"['\"‘’“”|]+", "", text)
    for src, dst in _SYMBOLS:  # sequential, in this order (later rules see earlier output)
        text = text.replace(src, dst)
    return text
