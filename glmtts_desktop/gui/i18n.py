"""The Qt side of translation: a signal when the language changes and widgets that follow it.

The language itself and the tables live in the Qt-free :mod:`glmtts_desktop.i18n` (one home for
every layer); this module adds what only a window needs: ``bind`` registers a widget's text so a
live language switch re-labels the open window in place, and ``languageChanged`` tells views
that build their text themselves (tables, status lines, an open error bar) to rebuild it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QLocale, QObject, Signal

from glmtts_desktop import i18n as core
from glmtts_desktop.i18n import LANGUAGES, Message, load_table, retranslate

log = logging.getLogger(__name__)

__all__ = [
    "LANGUAGES",
    "Message",
    "Translator",
    "load_table",
    "retranslate",
    "set_translator",
    "system_language",
    "tr",
    "translator",
]


def system_language() -> str:
    """zh_* systems get Chinese, everyone else English."""
    return "zh_CN" if QLocale.system().language() == QLocale.Language.Chinese else "en"


class Translator(QObject):
    """The app's language switch; ``tr`` translates, ``bind`` keeps a widget's text current."""

    languageChanged = Signal(str)

    def __init__(self, language: str | None = None) -> None:
        super().__init__()
        self._bound: list[tuple[Callable[[str], None], str, dict[str, Any]]] = []
        self._language = core.SOURCE_LANGUAGE
        self.set_language(language or system_language())

    @property
    def language(self) -> str:
        """The language this translator last selected (restored by ``set_translator``)."""
        return self._language

    def tr(self, text: str, /, **fmt: Any) -> str:  # type: ignore[override]
        return core.tr(text, **fmt)

    def bind(self, setter: Callable[[str], None], text: str, /, **fmt: Any) -> None:
        """Call ``setter(tr(text))`` now and again whenever the language changes."""
        setter(core.tr(text, **fmt))
        self._bound.append((setter, text, fmt))

    def set_language(self, language: str) -> None:
        self._language = core.set_language(language)
        alive = []
        for setter, text, fmt in self._bound:
            try:
                setter(core.tr(text, **fmt))
            except RuntimeError:  # the widget was deleted; forget it
                continue
            alive.append((setter, text, fmt))
        self._bound = alive
        self.languageChanged.emit(self._language)


_current: Translator | None = None


def translator() -> Translator:
    """The app-wide translator (created on first use, following the system language)."""
    global _current
    if _current is None:
        _current = Translator()
    return _current


def set_translator(t: Translator) -> None:
    """Make ``t`` the app's translator; the shared language follows it."""
    global _current
    _current = t
    core.set_language(t.language)


def tr(text: str, /, **fmt: Any) -> str:
    return core.tr(text, **fmt)
