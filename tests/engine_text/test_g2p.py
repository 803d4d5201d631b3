"""Phoneme mode (spec 2.4)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from glmtts_desktop.engine.text.g2p import G2P, keep_chars, split_by_dict, syllables
from glmtts_desktop.engine.text.resources import phoneme_inventory, resource_path

ALL = {f"<|{p}|>" for p in phoneme_inventory()}
SHIPPED_DICT = {"弦": "<|X|><|IAN2|>", "弈": "<|I4|>", "乡音无改鬓毛衰": "乡音无改鬓毛<|C|><|UEI1|>"}
TOKEN_OR_CHAR = re.compile(r"(?:<\|[A-Z]+[1-5]?\|>|[^<])*")


@pytest.fixture(scope="module")
def g2p():
    return G2P(ALL)


def test_spec_syllables():
    # spec: 你好吗？我不爱参数 -> n i3 - h ao3 - m a5 ， uo3 - b u4 - ai4 - c an1 - sh u4
    assert syllables("你好吗") == [("n", "i3"), ("h", "ao3"), ("m", "a5")]
    assert syllables("我不爱参数") == [("", "uo3"), ("b", "u4"), ("", "ai4"), ("c", "an1"), ("sh", "u4")]


def test_i_remap_after_retroflex_and_dental_initials():
    assert syllables("吃") == [("ch", "iii1")]
    assert syllables("日") == [("r", "iii4")]
    assert syllables("字") == [("z", "ii4")]
    assert syllables("四") == [("s", "ii4")]
    assert syllables("七") == [("q", "i1")]  # other initials keep i


def test_spec_example_shape(g2p):
    out = g2p("我最爱吃人参果，你喜欢吃吗?")
    assert "<|SH|><|EN1|><|G|><|UO3|>" in out or "<|SH|><|EN1|>果" in out  # 参 read shen1
    assert "，" in out and out.endswith("?")
    assert TOKEN_OR_CHAR.fullmatch(out)
    keep = keep_chars()
    for ch in re.sub(r"<\|[A-Z0-9]+\|>", "", out):
        if "\u4e00" <= ch <= "\u9fff":
            assert ch in keep  # every character left as a character is on the keep list
    for token in re.findall(r"<\|[A-Z0-9]+\|>", out):
        assert token in ALL


def test_zero_initial_emits_only_the_final(g2p):
    assert g2p("成为").endswith("<|UEI2|>")


def test_replace_dict_longest_first_and_verbatim(g2p):
    out = g2p("乡音无改鬓毛衰，弦。", SHIPPED_DICT)
    assert out.startswith("乡音无改鬓毛<|C|><|UEI1|>，<|X|><|IAN2|>")
    assert split_by_dict("ab", {"a": "1", "ab": "2"}) == [("2", True)]
    assert split_by_dict("xay", {"a": "1"}) == [("x", False), ("1", True), ("y", False)]


def test_missing_phoneme_tokens_keep_the_character():
    g = G2P(ALL - {"<|SH|>"})
    out = g("人参")
    assert "参" in out and "<|SH|>" not in out


def test_non_chinese_passes_through(g2p):
    assert g2p("hello, 123 world.") == "hello, 123 world."


def _generator():
    path = Path(__file__).with_name("make_g2p_keep_chars.py")
    spec = importlib.util.spec_from_file_location("make_g2p_keep_chars", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_keep_list_holds_the_spec_examples():
    keep = keep_chars()
    assert 2500 < len(keep) < 4500
    for ch in "你的是我们国人不":  # spec 2.4: kept by the official frontend
        assert ch in keep
    for ch in "好参长行了中和乐重":  # spec 2.4: phonemised by the official frontend
        assert ch not in keep
    assert all("\u4e00" <= ch <= "\u9fff" for ch in keep)
    doc = json.loads(resource_path("g2p_keep_chars.json").read_text(encoding="utf-8"))
    assert "about" in doc and doc["chars"] == "".join(sorted(set(doc["chars"])))


def test_official_examples_with_our_list(g2p):
    # official outputs recorded in the spec / parity run
    assert g2p("我最爱吃人参果，你喜欢吃吗?") == "我最爱吃人<|SH|><|EN1|>果，你喜欢吃吗?"
    assert g2p("你好吗?我不爱参数。") == "你<|H|><|AO3|>吗?我不爱<|C|><|AN1|><|SH|><|U4|>。"


def test_generator_same_reading():
    gen = _generator()
    assert gen.same_reading("们", "men5", "men2")  # neutral-tone variant
    assert gen.same_reading("不", "bu4", "bu2") and gen.same_reading("一", "yi1", "yi4")  # sandhi
    assert not gen.same_reading("好", "hao3", "hao4")  # a tone change elsewhere is a new reading
    assert not gen.same_reading("的", "de5", "di4")


def test_generator_rule_on_a_small_dictionary():
    gen = _generator()
    readings = {"甲": "jia3", "乙": "yi3", "丙": "bing3", "丁": "ding1", "戊": "wu4"}
    words = [
        ("甲", 10000),
        ("甲乙", 5),
        ("乙", 100),
        ("乙丙", 50),
        ("丙", 3),
        ("丁", 10),
        ("戊", 1),
        ("x甲", 99999),
    ]
    special = {"甲乙": ["jia4", "yi3"], "乙丙": ["yi2", "bing3"]}

    def read(word):
        return special.get(word) or [readings[ch] for ch in word]

    uses, other = gen.char_usage(words, read, readings.get)
    assert uses["甲"] == 10005 and other["甲"] == 5  # the word with a latin letter is skipped
    assert uses["乙"] == 155 and other["乙"] == 50
    keep = gen.select(uses, other, top_n=4, max_other_share=0.001, spec_keep="")
    # 甲: 5/10005 other uses <= 0.1 %; 乙: 32 % -> phonemised; 戊 is the least frequent -> out
    assert keep == sorted("甲丙丁")
    assert gen.select(uses, other, top_n=4, max_other_share=0.001, spec_keep="戊") == sorted("甲丙丁戊")


def test_phoneme_inventory_is_the_spec_list():
    inv = phoneme_inventory()
    assert len(inv) == 204 and len(set(inv)) == 204
    initials = "B C CH D F G H J K L M N P Q R S SH T X Z ZH".split()
    assert inv[:21] == tuple(initials)
    assert {"ER2", "ER3", "ER4", "IO1", "UENG1", "UENG3", "UENG4", "VE4", "IONG1"} <= set(inv)
    assert "ER5" not in inv and "UENG2" not in inv
