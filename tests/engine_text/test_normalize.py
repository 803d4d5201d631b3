"""text_normalize against the spec's observed examples and its rules (spec 2.2)."""

from __future__ import annotations

import pytest

from glmtts_desktop.engine.text.en_numbers import digits_to_words
from glmtts_desktop.engine.text.normalize import (
    ensure_ending,
    join_lines,
    keep_meaningful_spaces,
    normalize_punctuation,
    text_normalize,
)
from glmtts_desktop.engine.text.rules_zh import int_to_chinese, number_to_chinese

SPEC_EXAMPLES = [
    (
        "今天是2025年12月11日，气温-3~5℃，价格是12.5元/斤。",
        "今天是二零二五年十二月十一日，气温三到五摄氏度，价格是每斤十二点五元。",
    ),
    (
        "For homework, please finish Exercise 3 on Page 45.",
        "for homework, please finish exercise three on page forty five.",
    ),
    ("我最爱吃人参果，你喜欢吃吗？", "我最爱吃人参果，你喜欢吃吗?"),
]


@pytest.mark.parametrize("raw, expected", SPEC_EXAMPLES)
def test_spec_examples(raw, expected):
    assert text_normalize(raw) == expected


def test_custom_replacements_apply_without_depending_on_the_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert text_normalize("噢，我知道了。") == "哦，我知道了。"
    assert text_normalize("欸，你好") == "诶，你好。"


def test_chinese_rules():
    assert text_normalize("光速是3×10^8米每秒") == "光速是三乘十的八次方米每秒。"
    assert text_normalize("他说：“你好”（笑）") == "他说，你好笑。"
    assert text_normalize("好的好的～～") == "好的好的。"
    assert text_normalize("额，这个嘛") == "呃，这个嘛。"
    assert text_normalize("角α等于π") == "角阿尔法等于派。"
    assert text_normalize("甲≠乙，所以①成立") == "甲不等于乙，所以一成立。"
    assert text_normalize("溫度是２５度") == "温度是二十五度。"  # traditional -> simple, full width
    assert text_normalize("他走咯。") == "他走喽。"
    assert text_normalize("Hello世界ABC") == "hello世界abc。"  # Chinese path lower-cases


def test_english_rules():
    assert text_normalize("It's a well-known fact!!") == "it's a well known fact."
    assert text_normalize("Wait... what?") == "wait. what?"
    assert text_normalize("(brackets) [and] {more}") == "brackets and more."
    assert text_normalize("I have 3*4 apples") == "i have three times four apples."


def test_markdown_lines_and_emoji():
    assert text_normalize("1. 第一点\n第二点") == "一。第一点。第二点。"
    assert text_normalize("Hello\\nworld") == "hello. world."  # literal backslash-n
    assert text_normalize("I love it 😀") == "i love it."
    assert join_lines("a\n\n b \n") == "a.  b. "


@pytest.mark.parametrize("raw", ["", "   ", "😀😀", "\n\n"])
def test_unspeakable_input_becomes_only_an_ending(raw):
    assert text_normalize(raw) == "."


def test_punctuation_rules():
    assert keep_meaningful_spaces("a  b , c 中 文") == "a b, c中文"
    assert keep_meaningful_spaces("ok. go") == "ok. go"
    assert normalize_punctuation("好，。！") == "好。"  # a run keeps its last mark, ！ -> 。
    assert normalize_punctuation("wow!!!") == "wow."
    assert normalize_punctuation("#tag") == "tag"


def test_endings():
    assert ensure_ending("好吗?") == "好吗?"
    assert ensure_ending("好吗？") == "好吗？"
    assert ensure_ending("你好，") == "你好。"
    assert ensure_ending("hello,") == "hello."
    assert ensure_ending("hello") == "hello."
    assert ensure_ending("你好") == "你好。"


def test_chinese_numbers():
    cases = {
        0: "零",
        10: "十",
        15: "十五",
        105: "一百零五",
        1000: "一千",
        1001: "一千零一",
        10000: "一万",
        10010: "一万零一十",
        20300: "二万零三百",
        100000000: "一亿",
        -8: "负八",
    }
    for n, words in cases.items():
        assert int_to_chinese(n) == words
    assert number_to_chinese("2.50") == "二点五"
    assert number_to_chinese("-0.5") == "负零点五"


def test_english_number_words_match_inflect_style():
    assert digits_to_words("45") == "forty-five"
    assert digits_to_words("1234") == "one thousand, two hundred and thirty-four"
    assert digits_to_words("1000001") == "one million and one"
    assert digits_to_words("007") == "seven"
    assert digits_to_words("0") == "zero"


def test_wetext_english_leaves_already_normalised_text_alone():
    """Guards the shortcut in rules_en: the second pass skips wetext on text of this shape."""
    from glmtts_desktop.engine.text import wetext_tn
    from glmtts_desktop.engine.text.rules_en import _PLAIN

    samples = [
        "for homework, please finish exercise three on page forty five.",
        "see dr. who, and st. james. cats vs. dogs etc.",
        "we meet at nine a. m. today, no. one is late: ok; fine!",
        "i’m at the u. n. with the ceo of ibm? it’s m. l. k. day.",
        "one thousand, two hundred and thirtyfour. mr smith and ms jones jr. arrived.",
    ]
    for s in samples:
        assert _PLAIN.fullmatch(s)
        assert wetext_tn.normalize_en(s) == s


def test_wetext_english_survives_double_spaces():
    assert text_normalize("Copyright 2012  University") == "copyright twenty twelve university."


EN_SENTENCES = [
    "For homework, please finish Exercise 3 on Page 45.",
    "It cost $12 on May 5, 2024 at 3:30 pm.",
    "Dr. Smith lives at No. 7, and J. R. Tolkien wrote books.",
    "The quick brown fox jumps over the lazy dog near the river bank!",
]
ZH_SENTENCES = [
    "今天是2025年12月11日，气温-3~5℃，价格是12.5元/斤。",
    "会议定于下午3:30在3号楼201室举行，预计有150人参加。",
    "他的身高是1.85米，体重75公斤，每天跑步5公里。",
]


def test_long_inputs_are_cut_for_wetext_without_changing_the_result():
    """Long texts go to wetext in pieces (its cost is superlinear); pieces must not show."""
    en = EN_SENTENCES * 12
    assert len(" ".join(en)) > 2000
    assert text_normalize(" ".join(en)) == " ".join(text_normalize(s) for s in en)
    zh = ZH_SENTENCES * 12
    assert text_normalize("".join(zh)) == "".join(text_normalize(s) for s in zh)
