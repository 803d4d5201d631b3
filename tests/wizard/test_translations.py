"""Every string the wizard passes through tr() has a zh_CN entry with the same placeholders.

The strings are collected with ast (so implicitly concatenated literals count as one key),
plus the two places where tr() gets a value rather than a literal: the sample-rate labels
and the plain-http warning from models.endpoints. A new non-literal tr() call fails the
test until it is taught here, so nothing slips through untranslated.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from glmtts_desktop.gui.wizard.pages import RATE_CHOICES
from glmtts_desktop.models.endpoints import normalize_endpoint

ROOT = Path(__file__).resolve().parents[2]
WIZARD = ROOT / "glmtts_desktop" / "gui" / "wizard"
TABLE = ROOT / "resources" / "i18n" / "zh_CN.wizard.json"

#: tr() arguments that are not literals, and where their possible values come from
KNOWN_DYNAMIC = {"text", "ep.warning"}


def _tr_calls():
    for path in sorted(WIZARD.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "tr"
                and node.args
            ):
                yield path, node.args[0]


def _wizard_strings() -> set[str]:
    keys = {a.value for _, a in _tr_calls() if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    keys.update(text for text, _ in RATE_CHOICES)
    keys.add(normalize_endpoint("http://mirror.example.lan").warning)
    return keys


def _placeholders(s: str) -> set[str]:
    return set(re.findall(r"\{(\w+)", s))


def test_no_unknown_dynamic_tr_arguments():
    dynamic = {f"{p.name}: {ast.unparse(a)}" for p, a in _tr_calls() if not isinstance(a, ast.Constant)}
    unknown = sorted(d for d in dynamic if d.split(": ", 1)[1] not in KNOWN_DYNAMIC)
    assert not unknown, f"tr() called with values this test cannot see: {unknown}"


def test_every_wizard_string_has_a_chinese_translation():
    table = json.loads(TABLE.read_text(encoding="utf-8"))
    keys = _wizard_strings()
    assert len(keys) > 40 and "" not in keys
    missing = sorted(k for k in keys if k not in table)
    assert not missing, f"missing zh_CN wizard entries: {missing}"
    untranslated = sorted(
        k for k in keys if table[k] == k and re.search(r"[A-Za-z]{3}", k.replace("kHz", ""))
    )
    assert not untranslated, f"entries left in English: {untranslated}"
    bad = sorted(k for k, v in table.items() if _placeholders(k) != _placeholders(v))
    assert not bad, f"placeholders differ between English and Chinese: {bad}"


def test_chinese_wizard_shows_chinese_titles(qtbot, tmp_path, manifest, fake_gpu):
    from glmtts_desktop.gui.i18n import Translator, set_translator, translator
    from glmtts_desktop.gui.wizard import FirstRunWizard

    table = json.loads(TABLE.read_text(encoding="utf-8"))
    before = translator()
    set_translator(Translator("zh_CN"))
    try:
        w = FirstRunWizard(
            tmp_path / "models",
            manifest=manifest,
            hardware_probe=fake_gpu,
            state_path=tmp_path / "wizard.json",
        )
        qtbot.addWidget(w)
        assert w.windowTitle() == table["Set up GLM-TTS Desktop"]
        assert w.page(0).title() == table["Welcome to GLM-TTS Desktop"]
        assert w.source_page.rates.itemText(0) == table["Standard (24 kHz, recommended)"]
        w.shutdown()
    finally:
        set_translator(before)


def test_open_wizard_follows_a_live_switch(qtbot, tmp_path, manifest, fake_gpu):
    """Switching the language while the wizard is open re-labels its title, the page on
    screen, the pages still to come and Qt's own buttons."""
    from PySide6.QtWidgets import QWizard

    from glmtts_desktop.gui.i18n import Translator, set_translator, translator
    from glmtts_desktop.gui.wizard import FirstRunWizard

    before = translator()
    t = Translator("en")
    set_translator(t)
    try:
        w = FirstRunWizard(
            tmp_path / "models",
            manifest=manifest,
            hardware_probe=fake_gpu,
            state_path=tmp_path / "wizard.json",
        )
        qtbot.addWidget(w)
        w.show()
        w.next()
        w.next()  # on "Where to get the weights"
        source = w.source_page
        assert w.currentPage() is source and w.buttonText(QWizard.NextButton) == "Next >"
        t.set_language("zh_CN")
        assert w.windowTitle() == "设置 GLM-TTS 桌面版"
        assert w.page(0).title() == "欢迎使用 GLM-TTS 桌面版"
        assert w.page(1).title() == "本机配置"
        assert w.buttonText(QWizard.BackButton) == "< 上一步"
        assert w.buttonText(QWizard.NextButton) == "下一步 >"
        assert w.buttonText(QWizard.CancelButton) == "取消"
        assert source.test_button.text() == "测试连接"
        assert source.radios["official"].text().startswith("Hugging Face（官方）：https://")
        assert source.rates.itemText(0) == "标准（24 kHz，推荐）"
        labels = {label.text() for label in source.findChildren(type(source.disk))}
        assert {"模型文件夹：", "输出音质："} <= labels
        t.set_language("en")
        assert w.buttonText(QWizard.NextButton) == "Next >" and source.test_button.text() == "Test connection"
        w.shutdown()
    finally:
        set_translator(before)
