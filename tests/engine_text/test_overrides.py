"""Replacement-dictionary files and per-occurrence user overrides."""

from __future__ import annotations

import pytest

from glmtts_desktop.engine.errors import TextInputError
from glmtts_desktop.engine.text import load_replace_dict, save_replace_dict
from glmtts_desktop.engine.text.overrides import protect
from glmtts_desktop.engine.types import PronunciationOverride as PO

HANG = "<|H|><|ANG2|>"


def test_replace_dict_round_trip(tmp_path):
    mapping = {"弦": "<|X|><|IAN2|>", "乡音无改鬓毛衰": "乡音无改鬓毛<|C|><|UEI1|>"}
    path = tmp_path / "G2P_replace_dict.jsonl"
    save_replace_dict(path, mapping)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines == ['{"弦": "<|X|><|IAN2|>"}', '{"乡音无改鬓毛衰": "乡音无改鬓毛<|C|><|UEI1|>"}']
    assert load_replace_dict(path) == mapping
    assert [p.name for p in tmp_path.iterdir()] == ["G2P_replace_dict.jsonl"]  # no temp left


def test_replace_dict_merges_lines_and_skips_blanks(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"a": "1", "b": "2"}\n\n{"a": "3"}\n', encoding="utf-8")
    assert load_replace_dict(path) == {"a": "3", "b": "2"}


@pytest.mark.parametrize("body", ['{"a": 1}\n', "not json\n", '["a"]\n', '{"": "x"}\n'])
def test_bad_replace_dict_lines(tmp_path, body):
    path = tmp_path / "d.jsonl"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(TextInputError, match="Line 1"):
        load_replace_dict(path)


def test_missing_replace_dict(tmp_path):
    with pytest.raises(TextInputError, match="does not exist"):
        load_replace_dict(tmp_path / "none.jsonl")


def test_protect_only_the_chosen_occurrence():
    text = "行长说行不行"
    prot = protect(text, [PO("行", HANG, (0,))])
    assert prot.restore(prot.text) == text
    assert prot.substitute(prot.text) == HANG + "长说行不行"


def test_protect_everywhere_and_explicit_wins():
    text = "银行行长"
    prot = protect(text, [PO("行", HANG, None), PO("银行", "YH", (0,))])
    assert prot.substitute(prot.text) == "YH" + HANG + "长"


def test_protect_rejects_stale_offsets_and_overlaps():
    with pytest.raises(TextInputError, match="character 1"):
        protect("行长", [PO("行", HANG, (1,))])
    with pytest.raises(TextInputError, match="overlap"):
        protect("银行", [PO("银行", "x", (0,)), PO("行", "y", (1,))])


def test_typed_placeholder_characters_are_dropped():
    text = "a\U000f0001b"
    prot = protect(text, [PO("b", "B", (2,))])
    assert prot.substitute(prot.text) == "aB"


def test_replace_dict_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes('\ufeff{"行": "<|H|><|ANG2|>"}\n'.encode())
    assert load_replace_dict(path) == {"行": "<|H|><|ANG2|>"}


def test_oversized_replace_dict_is_refused_before_reading(tmp_path, monkeypatch):
    from glmtts_desktop.engine.text import overrides

    path = tmp_path / "big.jsonl"
    path.write_text('{"a": "b"}\n' * 10, encoding="utf-8")
    monkeypatch.setattr(overrides, "MAX_REPLACE_DICT_BYTES", 50)
    with pytest.raises(TextInputError, match="too large"):
        load_replace_dict(path)


def test_overrides_to_replace_dict_keeps_the_first_reading_of_each_text():
    from glmtts_desktop.engine.text import replace_dict_from_overrides
    from glmtts_desktop.engine.types import PronunciationOverride

    items = [
        PronunciationOverride("行", "<|H|><|ANG2|>", (2,)),
        PronunciationOverride("行", "<|X|><|ING2|>", None),
        PronunciationOverride("弦", "<|X|><|IAN2|>"),
    ]
    assert replace_dict_from_overrides(items) == {"行": "<|H|><|ANG2|>", "弦": "<|X|><|IAN2|>"}
