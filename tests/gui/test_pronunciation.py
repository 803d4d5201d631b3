"""Readings, phoneme tokens, the overrides list and the official JSONL format."""

from __future__ import annotations

import json

import pytest

from glmtts_desktop.engine.text.g2p import phonemes_to_pinyin, syllable_phonemes
from glmtts_desktop.engine.types import PronunciationOverride
from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.gui.pronunciation.overrides import OverrideSet, read_jsonl, write_jsonl
from glmtts_desktop.gui.pronunciation.readings import readings


@pytest.mark.parametrize(
    "tone3, tokens",
    [
        ("xing2", "<|X|><|ING2|>"),  # spec example
        ("hang2", "<|H|><|ANG2|>"),
        ("cui1", "<|C|><|UEI1|>"),  # 衰 in the shipped replace dict
        ("xian2", "<|X|><|IAN2|>"),  # 弦 in the shipped replace dict
        ("yi4", "<|I4|>"),  # 弈: zero initial
        ("shen1", "<|SH|><|EN1|>"),  # 参 in the spec's G2P example
        ("shi4", "<|SH|><|III4|>"),  # i after retroflex
        ("zi4", "<|Z|><|II4|>"),  # i after dental
        ("lv4", "<|L|><|V4|>"),
        ("ma", "<|M|><|A5|>"),  # neutral tone is 5
    ],
)
def test_syllable_tokens_follow_official_g2p(tone3, tokens):
    assert syllable_phonemes(tone3) == tokens


def test_readings_of_polyphone_include_both_and_show_tones():
    rs = readings("行")
    pairs = {(r.pinyin, r.tokens) for r in rs}
    assert ("xíng", "<|X|><|ING2|>") in pairs and ("háng", "<|H|><|ANG2|>") in pairs


def test_word_reading_in_context_comes_first():
    assert readings("银行")[0].tokens == "<|IN2|><|H|><|ANG2|>"


def test_no_readings_for_non_chinese():
    assert readings("abc") == [] and readings("") == []


def test_tokens_to_pinyin_is_readable():
    assert phonemes_to_pinyin("<|H|><|ANG2|>") == "h ang2"


def test_here_only_override_moves_with_edits_and_dies_when_edited():
    text = "我在银行工作，行不行"
    s = OverrideSet()
    s.add("行", "<|H|><|ANG2|>", text.index("行"))
    s.add("行", "<|X|><|ING2|>", None)
    new = "今天" + text  # insert two characters before
    s.text_changed(new, 0, 0, 2)
    here = [o for o in s if o.occurrences is not None][0]
    assert here.occurrences == (text.index("行") + 2,)
    assert new[here.occurrences[0]] == "行"
    # delete that character: the "here" override disappears, "everywhere" stays
    pos = here.occurrences[0]
    edited = new[:pos] + new[pos + 1 :]
    s.text_changed(edited, pos, 1, 0)
    assert [o.occurrences for o in s] == [None]


def test_newer_choice_replaces_older_at_same_place():
    s = OverrideSet()
    s.add("行", "<|H|><|ANG2|>", 3)
    s.add("行", "<|X|><|ING2|>", 3)
    assert s.as_tuple() == (PronunciationOverride("行", "<|X|><|ING2|>", (3,)),)


def test_jsonl_round_trip_in_official_format(tmp_path):
    path = tmp_path / "G2P_replace_dict.jsonl"
    items = [PronunciationOverride("弦", "<|X|><|IAN2|>"), PronunciationOverride("行", "<|H|><|ANG2|>", (2,))]
    write_jsonl(path, items)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x) for x in lines] == [{"弦": "<|X|><|IAN2|>"}, {"行": "<|H|><|ANG2|>"}]
    back = read_jsonl(path)
    assert {(o.text, o.replacement, o.occurrences) for o in back} == {
        ("弦", "<|X|><|IAN2|>", None),
        ("行", "<|H|><|ANG2|>", None),
    }


def test_jsonl_bad_line_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"弦": "<|X|><|IAN2|>"}\nnot json\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match="Line 2"):
        read_jsonl(path)
