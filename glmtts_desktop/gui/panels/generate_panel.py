"""Generation settings, the Generate / Cancel buttons and the progress bar.

Only the choice a non-technical person needs stays in view (the output quality, in plain
words); the technical options (seed, sampling, long-text cache, phoneme mode) sit in a
collapsed "Advanced" section whose state the main window remembers. Sample rates are offered
only when the model folder holds that vocoder, and the 32 kHz one only once its program file is
trusted ("Trust this file…" asks). Ctrl+Enter generates and Esc cancels.
"""

from __future__ import annotations

import functools
import logging
import random
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QStandardItemModel
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
from superqt import QCollapsible

from glmtts_desktop.engine.seeds import SEED_BOX_MAX
from glmtts_desktop.engine.types import SAMPLING_METHODS, Progress
from glmtts_desktop.gui.i18n import live_text, tr, translator
from glmtts_desktop.gui.theme import error_text_style
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

_QUALITY_TIP = N_(
    "Standard is right for almost everything. High quality gives a slightly clearer sound and "
    "needs the optional 32 kHz files."
)
_SEED_TIP = N_(
    "The same seed with the same voice and text gives the same take again; another seed gives "
    "another way of saying it."
)
_DICE_TIP = N_("Pick a new random seed: the next take will sound a little different.")
_ADVANCED_TIP = N_("Technical options. The defaults suit most texts.")
_UNTRUSTED_TIP = N_(
    "The 32 kHz file in this model folder contains program code and is not confirmed as the "
    "official release's file, so it is not used. Press “Trust this file…” if you know where it "
    "comes from."
)
_TRUST_TIP = N_("Shows what the file is and lets you allow it on this computer.")
#: plain words for the output sample rates
_RATE_LABELS = {24000: N_("Standard (24 kHz)"), 32000: N_("High quality (32 kHz)")}

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
    advancedToggled = Signal(bool)  # the Advanced section opened/closed (the window remembers it)
    vocoderTrusted = Signal(str)  # the person trusted the 32 kHz program file (its path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        t = translator()
        t.bind(self.setTitle, "3. Generate")
        self._untrusted_vocoder: Path | None = None
        self.sample_rate = QComboBox()
        self.sample_rate.setObjectName("sampleRate")
        t.bind(self.sample_rate.setToolTip, _QUALITY_TIP)
        self.set_sample_rates((24000,), 24000)
        self.sample_rate.activated.connect(lambda _: self.sampleRateChanged.emit(self.current_sample_rate()))
        self.trust_button = QToolButton()
        self.trust_button.setObjectName("trustVocoderButton")
        t.bind(self.trust_button.setText, "Trust this file…")
        t.bind(self.trust_button.setToolTip, _TRUST_TIP)
        self.trust_button.clicked.connect(self.ask_trust_vocoder)
        self.trust_button.hide()
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setValue(42)
        t.bind(self.seed.setToolTip, _SEED_TIP)
        self.dice = QToolButton()
        self.dice.setObjectName("diceButton")
        t.bind(self.dice.setText, "Random")  # text, not an emoji: many systems lack an emoji font
        t.bind(self.dice.setToolTip, _DICE_TIP)
        self.dice.clicked.connect(self.roll_seed)
        self.method = QComboBox()
        for i, m in enumerate(SAMPLING_METHODS):
            self.method.addItem(m, m)
            plain = _METHOD_LABELS.get(m)
            if plain:
                t.bind(functools.partial(self.method.setItemText, i), plain)
        t.bind(self.method.setToolTip, _METHOD_TIP)
        self.prompt_cache = QCheckBox()
        t.bind(self.prompt_cache.setText, "Steady voice in long texts")
        t.bind(self.prompt_cache.setToolTip, _PROMPT_CACHE_TIP)
        self.prompt_cache.setChecked(True)
        self.use_phoneme = QCheckBox()
        t.bind(self.use_phoneme.setText, "Dictionary readings everywhere")
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
        self.blocked_label.hide()
        self._blocked = ""
        self._running = False
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.stage = QLabel("")
        self.eta = QLabel("")  # "about 1 min 20 s left", once this job's pace is known
        self.eta.setObjectName("etaLabel")
        self.stage.setWordWrap(True)

        quality_row = QHBoxLayout()
        quality_row.addWidget(self.sample_rate, 1)
        quality_row.addWidget(self.trust_button)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._labels: dict[str, QLabel] = {}
        self._add_row(form, "Quality", quality_row, _QUALITY_TIP)

        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.dice)
        advanced_form = QFormLayout()
        advanced_form.setContentsMargins(0, 0, 0, 0)
        advanced_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._add_row(advanced_form, "Seed", seed_row, _SEED_TIP)
        self._add_row(advanced_form, "Sampling", self.method, _METHOD_TIP)
        advanced_form.addRow(self.prompt_cache)
        advanced_form.addRow(self.use_phoneme)
        advanced_body = QWidget()
        advanced_body.setLayout(advanced_form)
        self.advanced = QCollapsible("", expandedIcon="▼", collapsedIcon="▶")
        self.advanced.setObjectName("advancedSection")
        self.advanced.setDuration(120)
        t.bind(self.advanced.setText, "Advanced")
        t.bind(self.advanced.toggleButton().setToolTip, _ADVANCED_TIP)
        frame = self.advanced.layout()
        if frame is not None:
            frame.setContentsMargins(0, 0, 0, 0)
        self.advanced.addWidget(advanced_body)
        self.advanced.toggled.connect(self.advancedToggled)

        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button, 2)
        buttons.addWidget(self.cancel_button, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.advanced)
        layout.addLayout(buttons)
        layout.addWidget(self.blocked_label)
        layout.addWidget(self.progress)
        status_row = QHBoxLayout()
        status_row.addWidget(self.stage, 1)
        status_row.addWidget(self.eta)
        layout.addLayout(status_row)
        t.languageChanged.connect(lambda _: self._label_rates())

    def _add_row(self, form: QFormLayout, key: str, field: QWidget | QHBoxLayout, tip: str) -> None:
        label = QLabel()
        translator().bind(label.setText, key)
        translator().bind(label.setToolTip, tip)
        self._labels[key] = label
        if isinstance(field, QHBoxLayout):
            form.addRow(label, field)
        else:
            form.addRow(label, field)

    # --- the Advanced section -------------------------------------------------------------------
    def advanced_open(self) -> bool:
        return self.advanced.isExpanded()

    def set_advanced_open(self, open_: bool) -> None:
        """Open or close the section without animation (restoring the remembered state)."""
        if open_ == self.advanced.isExpanded():
            return
        if open_:
            self.advanced.expand(animate=False)
        else:
            self.advanced.collapse(animate=False)

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
            self.sample_rate.addItem("", r)
        self._label_rates()
        idx = self.sample_rate.findData(current)
        self.sample_rate.setCurrentIndex(max(idx, 0))
        self._apply_vocoder_trust()

    def _label_rates(self) -> None:
        for i in range(self.sample_rate.count()):
            rate = int(self.sample_rate.itemData(i))
            label = _RATE_LABELS.get(rate)
            self.sample_rate.setItemText(i, tr(label) if label else f"{rate // 1000} kHz")
        self._apply_vocoder_trust()

    # --- the 32 kHz program file --------------------------------------------------------------
    def set_untrusted_vocoder(self, path: Path | None) -> None:
        """``path``: the 32 kHz vocoder file when it is present but not trusted, else None.

        While it is untrusted the High-quality choice is greyed out (its tooltip says why) and
        "Trust this file…" offers the decision; nothing in the file runs until then.
        """
        self._untrusted_vocoder = Path(path) if path else None
        self._apply_vocoder_trust()

    def _apply_vocoder_trust(self) -> None:
        if not hasattr(self, "trust_button"):  # called from __init__ before the button exists
            return
        idx = self.sample_rate.findData(32000)
        untrusted = self._untrusted_vocoder is not None and idx >= 0
        model = self.sample_rate.model()
        if idx >= 0 and isinstance(model, QStandardItemModel):
            item = model.item(idx)
            item.setEnabled(not untrusted)
            item.setToolTip(tr(_UNTRUSTED_TIP) if untrusted else tr(_QUALITY_TIP))
        if untrusted and self.current_sample_rate() == 32000:
            other = self.sample_rate.findData(24000)
            if other >= 0:
                self.sample_rate.setCurrentIndex(other)
                self.sampleRateChanged.emit(24000)
        self.trust_button.setVisible(untrusted)

    def ask_trust_vocoder(self) -> bool:
        """The Trust dialog for the untrusted 32 kHz file; True when the person trusted it."""
        from glmtts_desktop.gui.vocoder_trust import ask_to_trust_vocoder

        path = self._untrusted_vocoder
        if path is None or not ask_to_trust_vocoder(self, path):
            return False
        self.set_untrusted_vocoder(None)
        self.vocoderTrusted.emit(str(path))
        return True

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
        self.blocked_label.setStyleSheet(error_text_style())
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
            self.show_eta("")

    def show_eta(self, text: str) -> None:
        """The time left (a tr() text, so a language switch re-words it); "" hides it."""
        live_text(self.eta.setText, text)
        self.eta.setVisible(bool(text))

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
