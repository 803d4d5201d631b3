"""The status bar's model indicator: loading → ready, the device and the GPU memory in use."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from glmtts_desktop.errors import GlmTtsError
from glmtts_desktop.gui.i18n import tr, translator
from glmtts_desktop.gui.inference.client import FAILED, LOADING, READY, UNLOADED
from glmtts_desktop.gui.inference.jobs import ModelInfo

_STATE_TEXT = {
    UNLOADED: "Model: not loaded",
    LOADING: "Model: loading…",
    READY: "Model: ready",
    FAILED: "Model: failed to load",
}
_STATE_COLOR = {UNLOADED: "#808080", LOADING: "#b07000", READY: "#2a8a2a", FAILED: "#d03030"}


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024.0
    return f"{n:.1f} GiB"


class ModelStatus(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = UNLOADED
        self.info: ModelInfo | None = None
        self.error: object = None
        self.state_label = QLabel()
        self.state_label.setObjectName("modelState")
        self.device_label = QLabel()
        self.device_label.setObjectName("modelDevice")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.state_label)
        layout.addWidget(self.device_label)
        translator().languageChanged.connect(lambda _: self.refresh())
        self.refresh()

    def set_state(self, state: str, error: object = None) -> None:
        self.state, self.error = state, error
        self.refresh()

    def set_info(self, info: ModelInfo | None) -> None:
        self.info = info
        self.refresh()

    def refresh(self) -> None:
        self.state_label.setText(tr(_STATE_TEXT.get(self.state, self.state)))
        self.state_label.setStyleSheet(f"color: {_STATE_COLOR.get(self.state, '')}; font-weight: bold;")
        self.state_label.setToolTip(self.error.user_text() if isinstance(self.error, GlmTtsError) else "")
        info = self.info
        if info is None or self.state != READY:
            self.device_label.setText("")
            return
        parts = [info.device, f"{info.sample_rate // 1000} kHz"]
        if info.memory_bytes:
            parts.append(tr("GPU memory {mem}", mem=human_bytes(info.memory_bytes)))
        if info.random_checkpoint:
            parts.append(tr("random test weights"))
        self.device_label.setText(" · ".join(parts))
        self.device_label.setToolTip(info.model_dir)
