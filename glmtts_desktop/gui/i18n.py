"""A small dict-based translation table (English source strings, zh_CN table in resources/).

Why not Qt .ts files: they need lrelease at build time and a compiled .qm per language; a JSON
dict keyed by the English text is easy to review and to extend. Widgets register their texts
with ``bind`` so switching the language at run time re-labels the open window in place.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from PySide6.QtCore import QLocale, QObject, Signal

from glmtts_desktop.gui.resources import resource_path

log = logging.getLogger(__name__)

LANGUAGES = {"en": "English", "zh_CN": "简体中文"}


def system_language() -> str:
    """zh_* systems get Chinese, everyone else English."""
    return "zh_CN" if QLocale.system().language() == QLocale.Language.Chinese else "en"


def load_table(language: str) -> dict[str, str]:
    """``<lang>.json`` plus any ``<lang>.<part>.json`` (e.g. ``zh_CN.wizard.json``), merged.

    Separate part files let each area of the app keep its own strings without editing one
    shared file.
    """
    if language == "en":
        return {}
    folder = resource_path("i18n")
    paths = [folder / f"{language}.json"] + sorted(folder.glob(f"{language}.*.json"))
    table: dict[str, str] = {}
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                part = json.load(fh)
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            log.warning("translation table %s unreadable (%s); skipping it", path, exc)
            continue
        table.update({str(k): str(v) for k, v in part.items()})
    return table


class Translator(QObject):
    """The app's current language; ``tr`` translates, ``bind`` keeps a widget's text current."""

    languageChanged = Signal(str)

    def __init__(self, language: str | None = None) -> None:
        super().__init__()
        self._language = "en"
        self._table: dict[str, str] = {}
        self._bound: list[tuple[Callable[[str], None], str, dict]] = []
        self.set_language(language or system_language())

    @property
    def language(self) -> str:
        return self._language

    def tr(self, text: str, /, **fmt: object) -> str:
        out = self._table.get(text, text)
        return out.format(**fmt) if fmt else out

    def bind(self, setter: Callable[[str], None], text: str, /, **fmt: object) -> None:
        """Call ``setter(tr(text))`` now and again whenever the language changes."""
        setter(self.tr(text, **fmt))
        self._bound.append((setter, text, fmt))

    def set_language(self, language: str) -> None:
        if language not in LANGUAGES:
            language = "en"
        self._language = language
        self._table = load_table(language)
        alive = []
        for setter, text, fmt in self._bound:
            try:
                setter(self.tr(text, **fmt))
            except RuntimeError:  # the widget was deleted; forget it
                continue
            alive.append((setter, text, fmt))
        self._bound = alive
        self.languageChanged.emit(language)


_current: Translator | None = None


def translator() -> Translator:
    """The app-wide translator (created on first use, following the system language)."""
    global _current
    if _current is None:
        _current = Translator()
    return _current


def set_translator(t: Translator) -> None:
    global _current
    _current = t


def tr(text: str, /, **fmt: object) -> str:
    return translator().tr(text, **fmt)
