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
    "live_text",
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
        self._live: dict[tuple[int, str], tuple[Callable[[str], None], str | Callable[[], str]]] = {}
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

    def show(self, setter: Callable[[str], None], text: str | Callable[[], str]) -> None:
        """``setter(text)`` now, and again in the new language after a switch.

        For texts that change while the app runs ("Selected 1.0–4.2 s", "Done: 3.1 s of
        audio."): ``text`` is a ``tr()`` result (re-translated with its arguments) or a function
        that builds the text. Each setter keeps only its latest text.
        """
        setter(text() if callable(text) else text)
        owner = getattr(setter, "__self__", setter)
        self._live[(id(owner), getattr(setter, "__name__", ""))] = (setter, text)

    def _refresh_live(self) -> None:
        for key, (setter, text) in list(self._live.items()):
            try:
                setter(text() if callable(text) else retranslate(text))
            except RuntimeError:  # the widget was deleted; forget it
                del self._live[key]

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
        self._refresh_live()
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


def live_text(setter: Callable[[str], None], text: str | Callable[[], str]) -> None:
    """Set a changing text that follows a live language switch (see ``Translator.show``)."""
    translator().show(setter, text)
