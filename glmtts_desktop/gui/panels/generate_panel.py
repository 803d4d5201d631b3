"""Generation settings, the Generate / Cancel buttons and the progress bar.

Sample rates are offered only when the model folder holds that vocoder; the dice picks a new
random seed; Ctrl+Enter generates and Esc cancels.
"""

from __future__ import annotations

import functools
import logging
import random

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from glmtts_desktop.engine.seeds import SEED_BOX_MAX
from glmtts_desktop.engine.types import SAMPLING_METHODS, Progress
from glmtts_desktop.gui.i18n import live_text, tr, translator
from glmtts_desktop.i18n import N_
from glmtts_desktop.studio import GenerationSettings

log = logging.getLogger(__name__)

MAX_SEED = SEED_BOX_MAX  # the engine accepts up to 2**63-1; a QSpinBox holds a C int
_STAGES = {
    "prompt": "Analysing the voice",
    "text": "Reading the text",
    "llm": "Speaking",
    "flow": "Shaping the sound",
    "vocoder": "Rendering audio",
    "done": "Done",
}


_METHOD_TIP = N_(
    "How the voice chooses its next sound. Natural suits most texts; More varied sounds livelier "
    "but may stumble; More stable says it the same way every time."
)
_PROMPT_CACHE_TIP = N_(
    "For long texts: each part is spoken with the parts before it as context, so the voice "
    "stays the same from start to end. Turn it off if a long text starts to drift."
)
_PHONEME_TIP = N_(
    "Reads every character that has several readings (行, 长, 重…) the way the dictionary "
    "reads it in that sentence. More exact; sometimes a little less natural."
)

#: plain words for the sampling methods (the engine's names stay in the data and the CLI)
_METHOD_LABELS = {
    "ras": N_("Natural (recommended)"),
    "topk": N_("More varied"),
    "greedy": N_("More stable"),
}


class GeneratePanel(QGroupBox):
    generateRequested = Signal()
    cancelRequested = Signal()
    sampleRateChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        t = translator()
        t.bind(self.setTitle, "3. Generate")
        self.sample_rate = QComboBox()
        self.sample_rate.setObjectName("sampleRate")
        self.set_sample_rates((24000,), 24000)
        self.sample_rate.activated.connect(lambda _: self.sampleRateChanged.emit(self.current_sample_rate()))
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setValue(42)
        self.dice = QToolButton()
        self.dice.setObjectName("diceButton")
        t.bind(self.dice.setText, "Random")  # text, not an emoji: many systems lack an emoji font
        t.bind(self.dice.setToolTip, "New random seed")
        self.dice.clicked.connect(self.roll_seed)
        self.method = QComboBox()
        for i, m in enumerate(SAMPLING_METHODS):
            self.method.addItem(m, m)
            plain = _METHOD_LABELS.get(m)
            if plain:
                t.bind(functools.partial(self.method.setItemText, i), plain)
        t.bind(self.method.setToolTip, _METHOD_TIP)
        self.prompt_cache = QCheckBox()
        t.bind(self.prompt_cache.setText, "Long-text prompt cache")
        t.bind(self.prompt_cache.setToolTip, _PROMPT_CACHE_TIP)
        self.prompt_cache.setChecked(True)
        self.use_phoneme = QCheckBox()
        t.bind(self.use_phoneme.setText, "Phoneme mode for all polyphones")
        t.bind(self.use_phoneme.setToolTip, _PHONEME_TIP)
        self.generate_button = QPushButton()
        self.generate_button.setObjectName("generateButton")
        t.bind(self.generate_button.setText, "Generate (Ctrl+Enter)")
        self.generate_button.clicked.connect(self.generateRequested)
        self.cancel_button = QPushButton()
        t.bind(self.cancel_button.setText, "Cancel (Esc)")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.blocked_label = QLabel("")
        self.blocked_label.setObjectName("generateBlocked")
        self.blocked_label.setWordWrap(True)
        self.blocked_label.setStyleSheet("color:#c62828")
        self.blocked_label.hide()
        self._blocked = ""
        self._running = False
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.stage = QLabel("")

        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.dice)
        form = QFormLayout()
        self._labels = {}
        for key, widget in (("Sample rate", self.sample_rate), ("Seed", seed_row), ("Sampling", self.method)):
            label = QLabel()
            t.bind(label.setText, key)
            self._labels[key] = label
            if isinstance(widget, QHBoxLayout):
                form.addRow(label, widget)
            else:
                form.addRow(label, widget)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button, 2)
        buttons.addWidget(self.cancel_button, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.prompt_cache)
        layout.addWidget(self.use_phoneme)
        layout.addLayout(buttons)
        layout.addWidget(self.blocked_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.stage)

    def install_shortcuts(self, window: QWidget) -> None:
        """Window-wide keys: Ctrl+Enter generates, Esc cancels."""
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            sc = QShortcut(QKeySequence(seq), window)
            sc.setContext(Qt.WindowShortcut)
            sc.activated.connect(lambda: self.generate_button.isEnabled() and self.generateRequested.emit())
        esc = QShortcut(QKeySequence(Qt.Key_Escape), window)
        esc.activated.connect(lambda: self.cancel_button.isEnabled() and self.cancelRequested.emit())

    # --- values --------------------------------------------------------------------------------
    def roll_seed(self) -> int:
        self.seed.setValue(random.randint(0, MAX_SEED))
        return self.seed.value()

    def current_sample_rate(self) -> int:
        return int(self.sample_rate.currentData() or 24000)

    def set_sample_rates(self, rates: tuple[int, ...], current: int) -> None:
        self.sample_rate.clear()
        for r in rates or (24000,):
            self.sample_rate.addItem(f"{r // 1000} kHz", r)
        idx = self.sample_rate.findData(current)
        self.sample_rate.setCurrentIndex(max(idx, 0))

    def settings(self) -> GenerationSettings:
        """The typed generation settings on screen (the presenter's getter)."""
        return GenerationSettings.from_dict(self.options())

    def options(self) -> dict:
        return {
            "seed": self.seed.value(),
            "method": str(self.method.currentData()),
            "use_prompt_cache": self.prompt_cache.isChecked(),
            "use_phoneme": self.use_phoneme.isChecked(),
            "sample_rate": self.current_sample_rate(),
        }

    # --- running state -------------------------------------------------------------------------
    def set_blocked(self, reason: str) -> None:
        """Keep Generate off with a visible reason (e.g. the voice's consent was withdrawn)."""
        self._blocked = reason
        self.blocked_label.setText(reason)
        self.blocked_label.setVisible(bool(reason))
        self.generate_button.setEnabled(not self._running and not reason)

    def set_running(self, running: bool) -> None:
        self._running = running
        self.generate_button.setEnabled(not running and not self._blocked)
        self.cancel_button.setEnabled(running)
        self.sample_rate.setEnabled(not running)
        if running:
            self.progress.setValue(0)
            live_text(self.stage.setText, tr("Starting…"))

    def show_progress(self, p: Progress) -> None:
        self.progress.setValue(int(max(0.0, min(1.0, p.fraction)) * 1000))
        stage = tr(_STAGES.get(p.stage, p.stage))
        if p.total_segments > 1:
            live_text(
                self.stage.setText,
                tr("{stage} — segment {i} of {n}", stage=stage, i=p.segment + 1, n=p.total_segments),
            )
        else:
            live_text(self.stage.setText, stage)

    def show_outcome(self, text: str) -> None:
        live_text(self.stage.setText, text)
