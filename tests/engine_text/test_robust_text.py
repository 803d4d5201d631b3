"""Text input that used to fail or mislead (issue 11 item 18, issue 9 item 11)."""

from __future__ import annotations

import argparse

import pytest

from glmtts_desktop.engine.errors import TextInputError
from glmtts_desktop.engine.text.normalize import text_normalize
from glmtts_desktop.engine.text.overrides import protect
from glmtts_desktop.engine.text.split import split_by_len, split_units
from glmtts_desktop.engine.text.textfile import decode_text
from glmtts_desktop.engine.types import PronunciationOverride

# ----------------------------------------------------------------------------- long runs


@pytest.mark.parametrize(
    "run",
    [
        "あいうえおかきくけこさしすせそ" * 200,  # kana pasted without punctuation or spaces
        "안녕하세요반갑습니다" * 300,
        "abcdefghij" * 300,  # a URL or hash-like run
    ],
)
def test_a_long_run_without_punctuation_is_split_at_a_sensible_length(run):
    pieces = split_by_len(run)
    assert "".join(pieces) == run
    assert len(pieces) > 10
    assert max(len(p) for p in pieces) <= 300


def test_the_frontend_keeps_every_segment_far_below_the_prompt_limit(tiny_engine):
    segments = tiny_engine.text.prepare("ひらがなだけのながいぶんしょう" * 200)
    assert len(segments) > 20
    assert max(len(s.token_ids) for s in segments) < 400  # the model's limit is 2048 with the prompt


def test_ordinary_words_are_still_one_unit_each():
    assert split_units("internationalization is fine") == ["internationalization ", "is ", "fine"]


# ----------------------------------------------------------------------------- encodings

TEXT = "我们一起去银行，然后回家吃饭。"


RARE = TEXT + "𠀀"  # a character only GB18030 (not GBK) has
PLAIN = "Plain words only."


@pytest.mark.parametrize(
    "text, data, encoding, detected",
    [
        (TEXT, TEXT.encode("gbk"), "gb18030", True),
        ("你好", "你好".encode("gbk"), "gb18030", True),  # short GBK: detectors guess Big5
        (RARE, RARE.encode("gb18030"), "gb18030", True),
        (TEXT, TEXT.encode("utf-16"), "utf-16", False),  # Notepad's "Unicode": with a BOM
        (PLAIN, PLAIN.encode("utf-16-le"), "utf-16-le", True),  # no BOM: the NUL pattern says it
        (TEXT, TEXT.encode("utf-8-sig"), "utf-8", False),
        (TEXT, TEXT.encode("utf-8"), "utf-8", False),
    ],
)
def test_text_files_in_common_encodings_are_read(text, data, encoding, detected):
    decoded = decode_text(data)
    assert decoded.text == text
    assert (decoded.encoding, decoded.detected) == (encoding, detected)


def test_synth_says_which_encoding_it_used(tmp_path, capsys):
    from glmtts_desktop.commands.synth import read_text

    path = tmp_path / "text.txt"
    path.write_bytes(TEXT.encode("gbk"))
    assert read_text(argparse.Namespace(text_file=path, text=None)) == TEXT
    assert "GB18030 (detected)" in capsys.readouterr().err


def test_binary_garbage_is_refused_in_words():
    with pytest.raises(TextInputError):
        decode_text(bytes(range(256)) * 4)


# ----------------------------------------------------------------------------- overrides


def test_one_override_at_70000_places_needs_one_placeholder():
    text = "我们去银行。" * 70_000  # past the 65,534 placeholders of the private-use plane
    prot = protect(text, [PronunciationOverride(text="行", replacement="<|H|><|ANG2|>")])
    assert len(prot.surfaces) == 1
    assert prot.substitute(prot.text).count("<|H|><|ANG2|>") == 70_000
    assert prot.restore(prot.text) == text


def test_an_override_reaches_every_occurrence_through_the_frontend(tiny_engine):
    text = "我们去银行。" * 3000
    segments = tiny_engine.text.prepare(
        text, overrides=[PronunciationOverride(text="行", replacement="<|H|><|ANG2|>")]
    )
    assert sum(s.model_text.count("<|H|><|ANG2|>") for s in segments) == 3000


# ----------------------------------------------------------------------------- mixed languages


@pytest.mark.parametrize(
    "text, heard, not_heard",
    [
        ("会议在下午。The meeting starts at 3:30 PM.", "three thirty pm", "三点"),
        ("我们 meet at 3:30 PM 吧", "meet at three thirty pm", "三十分"),
        ("Call me at 10:45 AM tomorrow, 谢谢！", "ten forty five am", "十点"),
        ("I have 25 apples, 我有3个。", "twenty five apples", "二十五"),
        ("I have 25个苹果", "二十五个", "twenty"),  # the number counts the 个
        ("我买了iPhone 15。", "iphone十五", "fifteen"),  # one English word stays Chinese TN
    ],
)
def test_english_inside_chinese_text_is_read_as_english(text, heard, not_heard):
    normalized = text_normalize(text)
    assert heard in normalized and not_heard not in normalized
