"""The one translation function every layer uses: ``tr("English text {name}", name=...)``.

Why here and Qt-free: the engine, audio, models and library cores make most of the messages a
person reads (errors, hints, progress), and they must not import Qt. So the language lives in
this module, the GUI sets it (``set_language``) and every layer translates through ``tr``.
napari's ``utils/translations.py`` is the model (English source text as the key, keyword
placeholders, a marker for text that is translated later), without gettext: the tables are
plain JSON dicts under ``resources/i18n`` (``zh_CN.json`` plus ``zh_CN.<part>.json`` files, so
each area keeps its own file), easy to review and to extend without build tools.

``tr`` returns a :class:`Message`, a ``str`` that remembers its English source and arguments,
so a text made before a live language switch (an error already on screen) can be shown again
in the new language with :func:`retranslate`. ``tr`` never raises: a broken table entry falls
back to English and is logged, because a message must never become a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

from glmtts_desktop.resources import resource_path

log = logging.getLogger(__name__)

#: language code -> the language's own name, as shown in a language menu
LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}
SOURCE_LANGUAGE = "en"

_lock = threading.Lock()
_language = SOURCE_LANGUAGE
_tables: dict[str, dict[str, str]] = {}


class Message(str):
    """A translated text that still knows its English source, for re-translation later."""

    msgid: str
    kwargs: Mapping[str, Any]

    def __new__(cls, text: str, msgid: str, kwargs: Mapping[str, Any]) -> Message:
        obj = super().__new__(cls, text)
        obj.msgid = msgid
        obj.kwargs = dict(kwargs)
        return obj

    def __reduce__(self) -> tuple[Any, ...]:  # survive pickling/copy across processes
        return (Message, (str(self), self.msgid, self.kwargs))


def normalize_language(code: str | None) -> str:
    """Map a locale name ("zh", "zh_CN.UTF-8", "zh-Hans", "en_US") to a language we have."""
    if not code:
        return SOURCE_LANGUAGE
    if code in LANGUAGES:
        return code
    base = code.replace("-", "_").split(".")[0].split("@")[0]
    if base.lower().startswith("zh"):
        return "zh_CN"
    return SOURCE_LANGUAGE


def environment_language() -> str:
    """The language a terminal user asked for through LANGUAGE / LC_ALL / LC_MESSAGES / LANG."""
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return normalize_language(value.split(":")[0])
    return SOURCE_LANGUAGE


def load_table(language: str) -> dict[str, str]:
    """``<lang>.json`` plus every ``<lang>.<part>.json``, merged; cached per language.

    An unreadable part is skipped with a warning, so one bad file leaves the rest translated.
    """
    if language == SOURCE_LANGUAGE:
        return {}
    with _lock:
        cached = _tables.get(language)
    if cached is not None:
        return cached
    folder = resource_path("i18n")
    paths = [folder / f"{language}.json", *sorted(folder.glob(f"{language}.*.json"))]
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
        if not isinstance(part, dict):
            log.warning("translation table %s is not a JSON object; skipping it", path)
            continue
        table.update({str(k): str(v) for k, v in part.items()})
    with _lock:
        _tables[language] = table
    return table


def reload_tables() -> None:
    """Forget cached tables (tests, or after a table file was edited while running)."""
    with _lock:
        _tables.clear()


def set_language(language: str | None) -> str:
    """Select the language for every later ``tr`` call in every thread; returns the code used."""
    global _language
    code = normalize_language(language)
    load_table(code)
    _language = code
    log.debug("language set to %s", code)
    return code


def current_language() -> str:
    return _language


def _format(text: str, kwargs: Mapping[str, Any]) -> str:
    values = {k: retranslate(v) if isinstance(v, Message) else v for k, v in kwargs.items()}
    return text.format(**values)


def tr(msgid: str, /, **kwargs: Any) -> Message:
    """``msgid`` (the English text) in the current language, with ``{name}`` placeholders filled.

    Arguments that are themselves :class:`Message` are translated too, so a message can embed
    another ("Could not load the model: {reason}"). Fragments that are put into a sentence
    (``{what}``, ``{action}``) are marked with ``N_`` where they are written and passed through
    ``tr`` where the sentence is made, so they follow the language too.
    """
    if isinstance(msgid, Message) and not kwargs:
        # a fragment that was already translated (``what=tr("32 kHz vocoder")``) and is
        # translated again where it is put into a sentence: keep its source, not its text
        return tr(msgid.msgid, **msgid.kwargs)
    text = load_table(_language).get(msgid, msgid)
    if not kwargs:
        return Message(text, msgid, kwargs)
    try:
        out = _format(text, kwargs)
    except (KeyError, IndexError, ValueError) as exc:
        log.warning("translation of %r does not fit its arguments (%s); using English", msgid, exc)
        try:
            out = _format(msgid, kwargs)
        except (KeyError, IndexError, ValueError):
            out = msgid
    return Message(out, msgid, kwargs)


def N_(msgid: str, /) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a constant for translation where it is defined; translate it with ``tr`` where shown.

    For texts defined at import time (choice labels, table headers): the language may change
    after import, so they stay English in code and the static completeness test finds them.
    """
    return msgid


def retranslate(text: str) -> str:
    """``text`` again in the current language when it came from ``tr``; other text unchanged."""
    if isinstance(text, Message):
        return tr(text.msgid, **text.kwargs)
    return text


__all__ = [
    "LANGUAGES",
    "Message",
    "N_",
    "current_language",
    "environment_language",
    "load_table",
    "normalize_language",
    "reload_tables",
    "retranslate",
    "set_language",
    "tr",
]
