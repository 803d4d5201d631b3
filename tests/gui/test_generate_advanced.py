"""The Generate panel in plain words: the technical options behind a remembered "Advanced"
section, every option explained in a tooltip, the output rate as Standard / High quality, and a
32 kHz program file nobody vouched for greyed out until the person trusts it."""

from __future__ import annotations

import shutil

from PySide6.QtCore import Qt

from glmtts_desktop import codetrust


def _shown(widget) -> bool:
    """On screen: QCollapsible closes by squeezing its content to zero height, not by hiding it."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def _technical(panel):
    return [panel.seed, panel.dice, panel.method, panel.prompt_cache, panel.use_phoneme]


def test_advanced_options_start_hidden_and_the_choice_is_remembered(qtbot, make_window):
    w = make_window()
    panel = w.generate_panel
    qtbot.waitUntil(panel.sample_rate.isVisible)
    assert not panel.advanced_open()
    assert not any(_shown(x) for x in _technical(panel))
    panel.advanced.toggleButton().click()  # as a person opens it
    qtbot.waitUntil(lambda: all(_shown(x) for x in _technical(panel)))
    assert w.settings.advanced_open is True
    w.close()

    again = make_window()
    qtbot.waitUntil(again.generate_panel.sample_rate.isVisible)
    assert again.generate_panel.advanced_open()
    qtbot.waitUntil(lambda: _shown(again.generate_panel.method))


def test_every_option_says_its_effect_in_both_languages(qtbot, make_window):
    w = make_window()
    panel = w.generate_panel
    options = [panel.sample_rate, *_technical(panel), panel.advanced.toggleButton(), *panel._labels.values()]
    w.set_language("en")
    english = [o.toolTip() for o in options]
    assert all(len(t) > 20 for t in english), english
    assert panel.sample_rate.itemText(0) == "Standard (24 kHz)"
    w.set_language("zh_CN")
    chinese = [o.toolTip() for o in options]
    assert all(c != e for c, e in zip(chinese, english, strict=True)), chinese
    assert panel.sample_rate.itemText(0) == "标准（24 kHz）"
    assert panel.advanced.text() == "高级"


def test_untrusted_32k_vocoder_is_greyed_out_until_trusted(
    qtbot, make_window, tiny_checkpoint, tmp_path, monkeypatch
):
    folder = tmp_path / "from-a-usb-stick"
    shutil.copytree(tiny_checkpoint, folder)
    vocos = folder / "vocos2d" / "generator_jit.ckpt"
    with open(vocos, "ab") as fh:  # still a loadable archive, but bytes nobody vouched for
        fh.write(b"\0" * 37)  # a length no other test uses: the trust record is shared
    assert codetrust.file_trust(vocos) is None
    from glmtts_desktop.gui.settings import AppSettings

    AppSettings().sample_rate = 32000  # chosen back when the file was trusted: still loads, at 24 kHz
    w = make_window(model_dir=folder, load=True)
    assert w.client.state == "ready"
    panel = w.generate_panel
    combo = panel.sample_rate
    qtbot.waitUntil(lambda: combo.findData(32000) >= 0)
    item = combo.model().item(combo.findData(32000))
    assert not item.isEnabled()
    assert "program code" in item.data(Qt.ItemDataRole.ToolTipRole)
    assert panel.trust_button.isVisible()

    from glmtts_desktop.gui.voices import ask

    asked = []

    def answer(key):
        def ask_choice(parent, title, text, choices, *, detail=""):
            asked.append((title, text, detail, [k for k, _ in choices]))
            return key

        return ask_choice

    monkeypatch.setattr(ask, "ask_choice", answer("cancel"))
    panel.trust_button.click()
    assert codetrust.file_trust(vocos) is None and not item.isEnabled()

    monkeypatch.setattr(ask, "ask_choice", answer("trust"))
    panel.trust_button.click()
    title, text, detail, keys = asked[-1]
    assert keys == ["trust", "cancel"]
    assert "program code" in text and codetrust.sha256_file(vocos) in detail
    assert codetrust.file_trust(vocos).origin == codetrust.ORIGIN_USER
    assert item.isEnabled() and not panel.trust_button.isVisible()
