"""TextFrontend end to end on the tiny dev tokenizer."""

from __future__ import annotations

import time

import pytest

from glmtts_desktop.engine.errors import TextInputError
from glmtts_desktop.engine.text import TextFrontend
from glmtts_desktop.engine.text.normalize import text_normalize
from glmtts_desktop.engine.text.split import split_units, weight
from glmtts_desktop.engine.types import PronunciationOverride as PO

HANG = "<|H|><|ANG2|>"


def test_prepare_plain_text(frontend, tiny_tok):
    segs = frontend.prepare("今天是2025年12月11日，气温-3~5℃，价格是12.5元/斤。")
    assert [s.normalized for s in segs] == [
        "今天是二零二五年十二月十一日，气温三到五摄氏度，价格是每斤十二点五元。"
    ]
    assert segs[0].model_text == segs[0].normalized
    assert list(segs[0].token_ids) == tiny_tok.encode(segs[0].model_text)


def test_override_hits_only_the_chosen_occurrence(frontend):
    text = "他是银行行长，我们去银行。"
    second = text.index("行", 4)  # the 行 of 行长 (offset 4)
    [seg] = frontend.prepare(text, overrides=[PO("行", HANG, (second,))])
    assert seg.normalized == text_normalize(text)
    assert seg.model_text == "他是银行" + HANG + "长，我们去银行。"


def test_override_survives_number_normalisation(frontend):
    text = "第3行，共5行"
    [seg] = frontend.prepare(text, overrides=[PO("行", HANG, (text.rindex("行"),))])
    assert seg.model_text == "第三行，共五" + HANG + "。"
    assert seg.normalized == "第三行，共五行。"


def test_override_in_english_keeps_word_spacing(frontend):
    text = "I live here, we live there."
    [seg] = frontend.prepare(text, overrides=[PO("live", "LIV", (text.rindex("live"),))])
    assert seg.model_text == "i live here, we LIV there."


def test_override_everywhere(frontend):
    [seg] = frontend.prepare("行不行", overrides=[PO("行", HANG)])
    assert seg.model_text == HANG + "不" + HANG + "。"


def test_phoneme_mode_and_replace_dict(frontend):
    [plain] = frontend.prepare("少年弹琴弦。")
    assert plain.model_text == "少年弹琴弦。"  # the dictionary applies in phoneme mode only
    [ph] = frontend.prepare("少年弹琴弦。", use_phoneme=True)
    assert ph.model_text.endswith("<|X|><|IAN2|>。")
    assert ph.normalized == "少年弹琴弦。"


def test_override_wins_over_phoneme_mode(frontend):
    text = "银行"
    [seg] = frontend.prepare(text, use_phoneme=True, overrides=[PO("行", "<|X|><|ING2|>", (1,))])
    assert seg.model_text.endswith("<|X|><|ING2|>。")


@pytest.mark.parametrize("text", ["", "   ", "😀😀🎉", "（）【】", "\n\n"])
def test_unusable_text_raises(frontend, text):
    with pytest.raises(TextInputError):
        frontend.prepare(text)


def test_prompt_ids(frontend, tiny_tok):
    normalized, ids = frontend.prompt_ids("你好，世界！")
    assert normalized == "你好，世界。"
    assert ids == tiny_tok.encode(normalized + " ")
    assert tiny_tok.decode(ids[-1:]) == " "
    with pytest.raises(TextInputError):
        frontend.prompt_ids("😀")


def test_unmappable_chars(frontend):
    found = frontend.unmappable_chars("Hello 😀 world ☃ 123!")
    assert "😀" in found and "☃" in found
    assert not set("Helowrd123! ") & set(found)


def test_segments_of_a_long_text(frontend):
    text = (
        "人工智能正在改变我们的生活方式，从智能手机到自动驾驶汽车，各种新技术层出不穷。2025年的增长是12.5%。"
    ) * 375
    assert 19000 < len(text) < 22000
    t0 = time.perf_counter()
    segs = frontend.segments(text)
    elapsed = time.perf_counter() - t0
    assert elapsed < 30  # a few seconds on a 2-core machine; generous bound against noise
    assert len(segs) > 300
    for seg in segs:
        assert weight(split_units(seg)) <= 61
        assert seg[-1] in "。?."


def test_long_english_text_segments(frontend):
    text = "The quick brown fox jumps over the lazy dog near the river bank. " * 40
    segs = frontend.segments(text)
    assert len(segs) > 5
    assert all(s == s.lower() and s.endswith(".") for s in segs)


def test_default_replace_dict_is_loaded(tiny_tok):
    fe = TextFrontend(tiny_tok)
    assert fe.replace_dict["弦"] == "<|X|><|IAN2|>"
    assert TextFrontend(tiny_tok, replace_dict={}).replace_dict == {}


@pytest.mark.parametrize("bad", ["<|user|>", "a<|audio_3|>", "<|endoftext|>"])
def test_control_tokens_in_replacements_are_refused(frontend, tiny_tok, bad):
    with pytest.raises(TextInputError, match="control token"):
        frontend.prepare("行", overrides=[PO("行", bad)])
    fe = TextFrontend(tiny_tok, replace_dict={"行": bad})
    assert fe.prepare("行")[0].model_text == "行。"  # dictionary unused outside phoneme mode
    with pytest.raises(TextInputError, match="control token"):
        fe.prepare("行", use_phoneme=True)


def test_typed_tokens_are_not_injected(frontend, tiny_tok):
    [seg] = frontend.prepare("你好<|user|>世界")
    assert tiny_tok.special.eoa not in seg.token_ids
    [seg] = frontend.prepare("hello <|audio_3|> world")
    assert not any(tiny_tok.is_added(t) for t in seg.token_ids)
