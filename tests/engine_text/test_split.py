"""split_by_len (spec 2.3) including the IndexError fix."""

from __future__ import annotations

from glmtts_desktop.engine.text.split import (
    _fallback_syllables,
    split_by_len,
    split_units,
    syllables,
    weight,
)

# Clauses of known length (characters incl. the final mark). Chinese weight = char count.
S1 = "我们今天早上很早起床了，" + "因为要去车站接奶奶回，" + "她已经三年没有回来过了，" + "全家都很高兴。"
S2 = "下午我们一起去公园散步，" + "公园里有很多花和大树，" + "孩子们在草地上跑来跑去。"
S3 = "晚上大家围在桌子旁吃饭，" + "一边吃一边聊天说笑话，" + "一直聊到很晚才去睡觉。"


def _chinese_reference(text: str, min_len: int = 30) -> list[str]:
    """Independent rule for text of CJK chars and marks only: close at a mark once >= 30."""
    out, cur = [], ""
    for ch in text:
        cur += ch
        if ch in "。，" and len(cur) >= min_len:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


def test_three_sentence_paragraph_is_cut_at_commas_after_30():
    paragraph = S1 + S2 + S3
    segments = split_by_len(paragraph)
    assert segments == _chinese_reference(paragraph)
    assert "".join(segments) == paragraph
    assert any(seg.endswith("，") for seg in segments)  # cut inside a sentence, at a comma
    for seg in segments[:-1]:
        assert len(seg) >= 30


def test_short_text_is_one_segment():
    assert split_by_len("你好，世界。") == ["你好，世界。"]


def test_unpunctuated_chinese_is_hard_cut_at_60_units():
    text = "好" * 130
    assert [len(s) for s in split_by_len(text)] == [60, 60, 10]


def test_hard_cut_keeps_a_mark_at_unit_60_with_its_piece():
    text = "好" * 60 + "，" + "好" * 20  # no cut before: the only mark comes at weight 61
    # min_sentences closes at the mark (weight 61 >= 30), then the 61-unit sentence is cut
    # at unit 60 (the mark) -> the mark stays with the first piece
    segs = split_by_len(text)
    assert segs[0] == "好" * 60 + "，" and "".join(segs) == text


def test_units_and_weights():
    assert split_units("Hello world, 中文!") == ["Hello ", "world", ", ", "中", "文", "!"]
    units = split_units("it's a well-known 中文 test")
    assert units == ["it's ", "a ", "well-known ", "中", "文 ", "test"]
    assert weight(["中", "文"]) == 2
    assert abs(weight(["hello "]) - 2 * 0.7) < 1e-9  # CMUdict: HH AH0 L OW1
    assert weight(["it's "]) == 1  # not purely letters


def test_fallback_syllables():
    assert syllables("zzqxplorb") == _fallback_syllables("zzqxplorb")
    assert _fallback_syllables("the") == 1
    assert _fallback_syllables("cake") == 1
    assert _fallback_syllables("banana") == 3
    assert _fallback_syllables("xyz") == 1
    assert _fallback_syllables("brrr") == 1


LONG_WORDS = (
    "internationalization responsibilities characteristically incomprehensibility "
    "electroencephalography interdisciplinary telecommunications unbelievably "
    "misunderstanding photosynthesis environmentalists internationalization "
    "responsibilities characteristically incomprehensibility"
)


def test_heavy_english_sentence_with_few_units_does_not_crash():
    units = split_units(LONG_WORDS + ".")
    assert weight(units) > 60 and len(units) <= 60  # the official IndexError case
    segs = split_by_len(LONG_WORDS + ".")
    assert "".join(segs) == LONG_WORDS + "."
    assert len(segs) >= 2
    for seg in segs:
        assert weight(split_units(seg)) <= 60 or len(split_units(seg)) == 1


def test_long_text_splits_fast():
    import time

    text = ("这是一个很长的句子没有任何标点" * 1400)[:20000]
    t0 = time.perf_counter()
    segs = split_by_len(text)
    assert time.perf_counter() - t0 < 2.0
    assert "".join(segs) == text and max(len(s) for s in segs) <= 61
