"""Persistent app preferences through QSettings (model folder, language, last voice, generation options).

Kept as one small typed facade so the rest of the GUI never spells a settings key twice.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

log = logging.getLogger(__name__)

ORG = "GLM-TTS Desktop"
APP = "glmtts-desktop"


class AppSettings:
    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._s = qsettings or QSettings(QSettings.IniFormat, QSettings.UserScope, ORG, APP)

    def _get(self, key: str, default: Any, kind: type) -> Any:
        value = self._s.value(key, default)
        if value is None:
            return default
        try:
            if kind is bool and isinstance(value, str):
                return value.lower() in ("1", "true", "yes")
            return kind(value)
        except (TypeError, ValueError):
            return default

    def _set(self, key: str, value: Any) -> None:
        self._s.setValue(key, value)
        self._s.sync()

    @property
    def model_dir(self) -> Path | None:
        v = self._get("model/dir", "", str)
        return Path(v) if v else None

    @model_dir.setter
    def model_dir(self, value: Path | None) -> None:
        self._set("model/dir", str(value) if value else "")

    @property
    def language(self) -> str:
        return self._get("ui/language", "", str)

    @language.setter
    def language(self, value: str) -> None:
        self._set("ui/language", value)

    @property
    def theme(self) -> str:
        """ "system", "light" or "dark"."""
        return self._get("ui/theme", "system", str)

    @theme.setter
    def theme(self, value: str) -> None:
        self._set("ui/theme", value)

    @property
    def last_voice(self) -> str:
        return self._get("voice/last", "", str)

    @last_voice.setter
    def last_voice(self, value: str) -> None:
        self._set("voice/last", value)

    @property
    def last_reference(self) -> dict[str, Any] | None:
        """An unsaved reference on screen at the last exit: {"path", "start", "end", "transcript", "name"}."""
        raw = self._get("voice/last_reference", "", str)
        try:
            value = json.loads(raw) if raw else None
        except ValueError:
            return None
        return value if isinstance(value, dict) and value.get("path") else None

    @last_reference.setter
    def last_reference(self, value: dict[str, Any] | None) -> None:
        self._set("voice/last_reference", json.dumps(value, ensure_ascii=False) if value else "")

    @property
    def sample_rate(self) -> int:
        return self._get("generate/sample_rate", 24000, int)

    @sample_rate.setter
    def sample_rate(self, value: int) -> None:
        self._set("generate/sample_rate", int(value))

    @property
    def method(self) -> str:
        return self._get("generate/method", "ras", str)

    @method.setter
    def method(self, value: str) -> None:
        self._set("generate/method", value)

    @property
    def prompt_cache(self) -> bool:
        return self._get("generate/prompt_cache", True, bool)

    @prompt_cache.setter
    def prompt_cache(self, value: bool) -> None:
        self._set("generate/prompt_cache", bool(value))

    @property
    def advanced_open(self) -> bool:
        """Whether the Generate panel's Advanced section was open (closed for a new user)."""
        return self._get("generate/advanced_open", False, bool)

    @advanced_open.setter
    def advanced_open(self, value: bool) -> None:
        self._set("generate/advanced_open", bool(value))

    @property
    def input_device(self) -> str:
        """The chosen microphone's name; "" for the system default. Names, not indices:
        PortAudio renumbers devices when one is plugged in or removed."""
        return self._get("audio/input_device_name", "", str)

    @input_device.setter
    def input_device(self, value: str) -> None:
        self._set("audio/input_device_name", value or "")

    @property
    def output_device(self) -> str:
        """The chosen speaker's name; "" for the system default."""
        return self._get("audio/output_device_name", "", str)

    @output_device.setter
    def output_device(self, value: str) -> None:
        self._set("audio/output_device_name", value or "")

    def geometry(self) -> Any:
        return self._s.value("window/geometry")

    def set_geometry(self, data: Any) -> None:
        self._set("window/geometry", data)
