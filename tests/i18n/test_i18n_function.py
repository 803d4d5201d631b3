"""The Qt-free translation function: lookup, placeholders, fallback, live re-translation."""

from __future__ import annotations

import json

import pytest

from glmtts_desktop import i18n
from glmtts_desktop.errors import GlmTtsError
from glmtts_desktop.i18n import N_, Message, retranslate, set_language, tr


@pytest.fixture
def tables(tmp_path, monkeypatch):
    """A private zh_CN table in a temporary resources folder."""
    folder = tmp_path / "i18n"
    folder.mkdir()
    monkeypatch.setattr(i18n, "resource_path", lambda *parts: tmp_path.joinpath(*parts))
    i18n.reload_tables()
    yield folder
    i18n.reload_tables()


def _write(folder, name, table):
    (folder / name).write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")


def test_translates_fills_placeholders_and_merges_part_files(tables):
    _write(tables, "zh_CN.json", {"Hello {name}.": "你好，{name}。"})
    _write(tables, "zh_CN.engine.json", {"Loading": "正在加载"})
    assert tr("Hello {name}.", name="Ann") == "Hello Ann."
    set_language("zh_CN")
    assert tr("Hello {name}.", name="Ann") == "你好，Ann。"
    assert tr("Loading") == "正在加载"
    assert tr("Not in any table") == "Not in any table"


def test_a_broken_entry_falls_back_to_english_instead_of_raising(tables):
    _write(tables, "zh_CN.json", {"Cut at {limit} tokens.": "在 {limmit} 处截断。"})
    (tables / "zh_CN.bad.json").write_text("{not json", encoding="utf-8")
    set_language("zh_CN")
    assert tr("Cut at {limit} tokens.", limit=7) == "Cut at 7 tokens."
    assert tr("Missing {arg}") == "Missing {arg}"  # no kwargs: the text itself, never a KeyError


def test_messages_follow_a_later_language_switch(tables):
    _write(tables, "zh_CN.json", {"Could not load: {reason}": "无法加载：{reason}", "disk full": "磁盘已满"})
    msg = tr("Could not load: {reason}", reason=tr("disk full"))
    assert isinstance(msg, Message) and msg == "Could not load: disk full"
    set_language("zh_CN")
    assert retranslate(msg) == "无法加载：磁盘已满"
    assert retranslate("plain text") == "plain text"


def test_errors_speak_the_language_selected_when_shown(tables):
    _write(tables, "zh_CN.json", {"The file is empty.": "文件是空的。", "Choose another.": "请换一个。"})
    err = GlmTtsError(tr("The file is empty."), hint=tr("Choose another."))
    assert err.user_text() == "The file is empty. Choose another."
    set_language("zh_CN")
    assert err.user_text() == "文件是空的。 请换一个。"


def test_language_codes_are_normalised():
    assert i18n.normalize_language("zh_CN.UTF-8") == "zh_CN"
    assert i18n.normalize_language("zh-Hans") == "zh_CN"
    assert i18n.normalize_language("de_DE") == "en"
    assert i18n.normalize_language(None) == "en"
    assert N_("Marked") == "Marked"
