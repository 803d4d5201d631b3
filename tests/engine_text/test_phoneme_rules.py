"""The pinyin-to-phoneme rules have one home (engine.text.g2p); the GUI's readings use it."""

from __future__ import annotations

import pytest

from glmtts_desktop.engine.text.g2p import model_final, phoneme_string, syllables


@pytest.mark.parametrize(
    "initial, final, expected",
    [
        ("sh", "i4", "iii4"),  # 是
        ("r", "i4", "iii4"),  # 日
        ("z", "i4", "ii4"),  # 字
        ("c", "i2", "ii2"),  # 词
        ("x", "i1", "i1"),  # 西: only zh ch sh r / z c s change i
        ("", "i4", "i4"),  # zero initial
        ("zh", "ong1", "ong1"),
        # spec 2.4 re-maps every final that *starts* with i ("i…" -> "iii…"), not only "i":
        ("sh", "in1", "iiin1"),
        ("s", "ia1", "iia1"),
    ],
)
def test_model_final_follows_the_spec(initial, final, expected):
    assert model_final(initial, final) == expected


@pytest.mark.parametrize("char", ["是", "日", "字", "词", "行", "参", "为"])
def test_gui_reading_equals_what_phoneme_mode_reads(char):
    from glmtts_desktop.gui.pronunciation.readings import readings

    engine_tokens = [phoneme_string(*s) for s in syllables(char) if s is not None]
    offered = [r.tokens for r in readings(char)]
    assert engine_tokens and engine_tokens[0] in offered
