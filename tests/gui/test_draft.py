"""The draft (text, "only here" overrides, options) survives closing and reopening the app."""

from __future__ import annotations


def test_draft_survives_a_restart(qtbot, make_window, tmp_path):
    data = tmp_path / "data"
    text = "我去银行取钱。" + "今天天气很好，我们一起去公园散步吧。" * 150  # ~2,700 characters
    w = make_window(data_dir=data)
    w.text_panel.editor.setPlainText(text)
    w.text_panel.add_override("行", "<|H|><|ANG2|>", 3)  # only here
    w.text_panel.add_override("好", "<|H|><|AO3|>", None)  # everywhere
    w.generate_panel.seed.setValue(4242)
    w.generate_panel.use_phoneme.setChecked(True)
    w.close()

    w2 = make_window(data_dir=data)
    assert w2.text_panel.text() == text
    got = {(o.text, o.replacement, o.occurrences) for o in w2.text_panel.overrides}
    assert got == {("行", "<|H|><|ANG2|>", (3,)), ("好", "<|H|><|AO3|>", None)}
    assert w2.generate_panel.seed.value() == 4242
    assert w2.generate_panel.use_phoneme.isChecked()


def test_draft_is_saved_while_typing(qtbot, make_window, tmp_path):
    """A crash loses at most the last moment: the draft is written shortly after each change."""
    data = tmp_path / "data"
    w = make_window(data_dir=data)
    w.text_panel.editor.setPlainText("还没关窗口")
    qtbot.waitUntil(
        lambda: (data / "draft.json").exists() and "还没关窗口" in (data / "draft.json").read_text("utf-8"),
        timeout=5000,
    )


def test_a_damaged_draft_is_ignored(qtbot, make_window, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "draft.json").write_text("{not json", encoding="utf-8")
    w = make_window(data_dir=data)
    assert w.text_panel.text() == "" and w.messages.isHidden()
