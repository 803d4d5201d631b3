"""The reference voice: record or import (drag and drop too), pick the best 3-10 s, type the transcript.

Decoding, analysis and auto-trim run in the background pool; the waveform shows the whole take
with a draggable selection, and the checks (too short/long, clipped, quiet, noisy) are redone
for the selected part whenever it changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from glmtts_desktop.audio import AudioBackend, Player, analyze, auto_trim, check_reference, load_audio
from glmtts_desktop.gui.background import Background
from glmtts_desktop.gui.errors import GuiInputError
from glmtts_desktop.gui.i18n import live_text, retranslate, tr, translator
from glmtts_desktop.gui.panels.record_control import RecordControl
from glmtts_desktop.gui.panels.reference_playback import ReferencePlayback
from glmtts_desktop.gui.theme import palette_is_dark
from glmtts_desktop.gui.widgets.waveform import WaveformView
from glmtts_desktop.i18n import N_

log = logging.getLogger(__name__)

AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg", ".m4a", ".opus", ".aac", ".w64")
MAX_REFERENCE_S = 30.0  # longer prompts slow the model down and rarely sound better
MAX_IMPORT_S = 300.0  # a 40-minute file loads its first 5 minutes; the person picks 3-10 s from it
MSG_TRUNCATED = "This file is {total:.0f} minutes long; only its first {first:.0f} minutes were loaded. Select 3–10 s of clear speech."  # noqa: E501
SAVED_VOICES = N_("— saved voices —")
_SEVERITY_COLOR = {"error": "#b02020", "warning": "#8a5a00", "info": "#2050a0", "ok": "#1f7a1f"}
_SEVERITY_COLOR_DARK = {"error": "#ff8a8a", "warning": "#ffc857", "info": "#8ab4ff", "ok": "#7ddc7d"}


class VoicePanel(QGroupBox):
    referenceChanged = Signal()
    errorOccurred = Signal(object)
    messageOccurred = Signal(str)
    voiceChosen = Signal(str)  # saved voice id
    saveVoiceRequested = Signal(str)  # name
    manageVoicesRequested = Signal()
    addClipRequested = Signal(str)  # saved voice id: keep the selection as another of its clips

    def __init__(
        self, backend: AudioBackend, takes_dir: Path, background: Background, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        t = translator()
        t.bind(self.setTitle, "1. Voice")
        self.background = background
        self.audio: np.ndarray | None = None
        self.sr = 0
        self.source_path: Path | None = None
        self.issues: list = []
        self.voice_id: str | None = None
        # the saved voice last put on screen: a file imported or recorded after it is a new,
        # unsaved reference, yet its selection may still become another clip of that voice
        self.clip_voice_id: str | None = None
        self._check_gen = 0

        self.voices = QComboBox()
        self.voices.setObjectName("savedVoices")
        self.voices.activated.connect(self._on_voice_activated)
        t.languageChanged.connect(lambda _: self._retranslate_placeholder())
        self.import_button = QPushButton()
        self.import_button.setObjectName("importButton")
        t.bind(self.import_button.setText, "Import file…")
        self.import_button.clicked.connect(self._import_dialog)
        self.record = RecordControl(backend, takes_dir, background)
        self.record.recorded.connect(self.load_file)
        self.record.errorOccurred.connect(self.errorOccurred)
        self.waveform = WaveformView(selectable=True)
        self.waveform.setObjectName("referenceWaveform")
        self.waveform.selectionChanged.connect(lambda a, b: self._recheck())
        self.playback = ReferencePlayback(Player(backend), self.waveform)
        self.playback.errorOccurred.connect(self.errorOccurred)
        self.trim_button = QPushButton()
        t.bind(self.trim_button.setText, "Auto-trim")
        self.trim_button.clicked.connect(self.auto_trim)
        self.selection_label = QLabel("")
        self.checks = QLabel("")
        self.checks.setWordWrap(True)
        self.checks.setObjectName("referenceChecks")
        self.transcript = QPlainTextEdit()
        self.transcript.setObjectName("transcript")
        self.transcript.setMaximumHeight(70)
        t.bind(self.transcript.setPlaceholderText, "Type exactly what the selected part says…")
        self.name = QLineEdit()
        t.bind(self.name.setPlaceholderText, "Voice name")
        self.save_button = QPushButton()
        t.bind(self.save_button.setText, "Save voice")
        self.save_button.clicked.connect(lambda: self.saveVoiceRequested.emit(self.name.text().strip()))

        self.add_clip_button = QPushButton()
        self.add_clip_button.setObjectName("addSelectionButton")
        t.bind(self.add_clip_button.setText, "Add selection to this voice…")
        t.bind(
            self.add_clip_button.setToolTip,
            "Keep the selected part and its transcript as another clip of the saved voice",
        )
        self.add_clip_button.clicked.connect(self._request_add_clip)
        self.manage_button = QPushButton()
        self.manage_button.setObjectName("manageVoicesButton")
        t.bind(self.manage_button.setText, "Voices…")
        t.bind(self.manage_button.setToolTip, "Every kept voice: details, consent, trash (Ctrl+L)")
        self.manage_button.clicked.connect(self.manageVoicesRequested)
        top = QHBoxLayout()
        top.addWidget(self.voices, 1)
        top.addWidget(self.manage_button)
        top.addWidget(self.import_button)
        sel = QHBoxLayout()
        sel.addWidget(self.selection_label, 1)
        sel.addWidget(self.trim_button)
        save = QHBoxLayout()
        save.addWidget(self.name, 1)
        save.addWidget(self.save_button)
        save.addWidget(self.add_clip_button)
        transcript_label = QLabel()
        t.bind(transcript_label.setText, "What the reference says:")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.record)
        layout.addWidget(self.waveform, 1)
        layout.addWidget(self.playback)
        layout.addLayout(sel)
        layout.addWidget(self.checks)
        layout.addWidget(transcript_label)
        layout.addWidget(self.transcript)
        layout.addLayout(save)
        self._set_enabled_for_audio()

    # --- loading -------------------------------------------------------------------------------
    def load_file(self, path: Path, then: Callable[[], None] | None = None) -> None:
        """Decode in the background; the current reference stays until the new one is ready.
        ``then`` runs after the new reference is on screen."""
        path = Path(path)
        self.messageOccurred.emit(tr("Loading {name}…", name=path.name))

        def work():
            clip = load_audio(path, mono=True, max_seconds=MAX_IMPORT_S)
            start, end = auto_trim(clip.samples, clip.sample_rate)
            return clip, start, end

        def done(result) -> None:
            clip, start, end = result
            self.set_audio(clip.samples, clip.sample_rate, path)
            self.start_new_voice()
            if end > start:
                self.waveform.set_selection(start / clip.sample_rate, end / clip.sample_rate)
            if clip.truncated:
                total = clip.original_duration or 0.0
                self.messageOccurred.emit(tr(MSG_TRUNCATED, total=total / 60.0, first=MAX_IMPORT_S / 60.0))
            else:
                self.messageOccurred.emit("")
            if then is not None:
                then()

        self.background.run(work, done, self.errorOccurred.emit)

    def set_audio(
        self, audio: np.ndarray, sr: int, source: Path | None = None, *, voice_id: str | None = None
    ) -> None:
        self.audio = np.ascontiguousarray(audio, dtype=np.float32)
        self.sr = int(sr)
        self.source_path = source
        self.voice_id = voice_id
        if voice_id is not None:
            self.clip_voice_id = voice_id
        self.waveform.set_audio(self.audio, self.sr)
        self.playback.set_audio(self.audio, self.sr)
        self.waveform.set_selection(0.0, self.waveform.duration)
        self._set_enabled_for_audio()
        self.referenceChanged.emit()

    def start_new_voice(self) -> None:
        """A newly imported or recorded reference is a new, unsaved voice: it must not inherit the
        previous voice's name or transcript, or generations would be filed under the wrong person."""
        self.voice_id = None
        self.name.clear()
        self.transcript.clear()
        self.voices.setCurrentIndex(0)
        self.referenceChanged.emit()

    def _set_enabled_for_audio(self) -> None:
        has = self.audio is not None
        self.trim_button.setEnabled(has)
        self.save_button.setEnabled(has)
        self.add_clip_button.setEnabled(has and self.clip_voice_id is not None)

    def _request_add_clip(self) -> None:
        if self.clip_voice_id is not None:
            self.addClipRequested.emit(self.clip_voice_id)

    def auto_trim(self) -> None:
        """Pick the best 3-10 s (in the background: long takes take a moment to scan)."""
        if self.audio is None:
            return
        audio, sr = self.audio, self.sr

        def done(span) -> None:
            start, end = span
            if end > start and self.audio is audio:
                self.waveform.set_selection(start / sr, end / sr)

        self.background.run(lambda: auto_trim(audio, sr), done, self.errorOccurred.emit)

    # --- selection and checks ----------------------------------------------------------------
    def selection(self) -> tuple[float, float]:
        return self.waveform.selection()

    def selected_audio(self) -> np.ndarray | None:
        if self.audio is None:
            return None
        a, b = self.selection()
        return self.audio[int(a * self.sr) : int(b * self.sr)]

    def _recheck(self) -> None:
        a, b = self.selection()
        live_text(
            self.selection_label.setText, tr("Selected {a:.1f}–{b:.1f} s ({d:.1f} s)", a=a, b=b, d=b - a)
        )
        clip = self.selected_audio()
        if clip is None:
            return
        self._check_gen += 1
        gen, sr = self._check_gen, self.sr

        def done(issues) -> None:
            if gen == self._check_gen:
                self._show_issues(issues)

        self.background.run(lambda: check_reference(analyze(clip, sr)), done, self.errorOccurred.emit)
        self.referenceChanged.emit()

    def _show_issues(self, issues: list) -> None:
        self.issues = list(issues)
        live_text(self.checks.setText, lambda: _issues_html(self.issues))

    # --- what generation needs ---------------------------------------------------------------
    def reference(self) -> tuple[np.ndarray, int, str]:
        """The selected audio, its rate and the transcript, or a GuiInputError saying what is missing."""
        clip = self.selected_audio()
        if clip is None or len(clip) == 0:
            raise GuiInputError(
                tr("There is no reference voice yet."), hint=tr("Record one or import an audio file first.")
            )
        if len(clip) > MAX_REFERENCE_S * self.sr:
            raise GuiInputError(
                tr(
                    "The selected part is {d:.0f} s long; the model needs a short reference.",
                    d=len(clip) / self.sr,
                ),
                hint=tr(
                    "Select at most {m:.0f} s (3–10 s works best), or press Auto-trim.", m=MAX_REFERENCE_S
                ),
            )
        if len(clip) < 0.5 * self.sr:
            raise GuiInputError(
                tr("The selected part of the reference is too short."), hint=tr("Select 3–10 s of speech.")
            )
        if any(i.severity == "error" for i in self.issues):
            first = next(i for i in self.issues if i.severity == "error")
            raise GuiInputError(retranslate(first.message), hint=retranslate(first.hint))
        text = self.transcript.toPlainText().strip()
        if not text:
            raise GuiInputError(
                tr("The transcript of the reference is missing."),
                hint=tr("Type exactly what the selected part of the reference says."),
            )
        return clip, self.sr, text

    # --- saved voices ------------------------------------------------------------------------
    def set_voices(self, voices: list[tuple[str, str]], current: str | None = None) -> None:
        self.voices.clear()
        self.voices.addItem(tr(SAVED_VOICES), None)
        for vid, name in voices:
            self.voices.addItem(name, vid)
        self.set_voices_current(current or self.voice_id)

    def _retranslate_placeholder(self) -> None:
        """The "— saved voices —" item follows a live language switch (the choice stays)."""
        if self.voices.count() and self.voices.itemData(0) is None:
            self.voices.setItemText(0, tr(SAVED_VOICES))

    def set_voices_current(self, vid: str | None) -> None:
        """Show which saved voice is on screen (the placeholder for an unsaved one)."""
        idx = self.voices.findData(vid) if vid else 0
        self.voices.setCurrentIndex(max(idx, 0))

    def _on_voice_activated(self, index: int) -> None:
        vid = self.voices.itemData(index)
        if vid:
            self.voiceChosen.emit(str(vid))

    # --- files ---------------------------------------------------------------------------------
    def _import_dialog(self) -> None:
        pattern = " ".join(f"*{e}" for e in AUDIO_EXTENSIONS)
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Import a reference recording"), "", f"{tr('Audio')} ({pattern});;* (*)"
        )
        if path:
            self.load_file(Path(path))

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if any(u.isLocalFile() and u.toLocalFile().lower().endswith(AUDIO_EXTENSIONS) for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        for u in event.mimeData().urls():
            if u.isLocalFile() and u.toLocalFile().lower().endswith(AUDIO_EXTENSIONS):
                self.load_file(Path(u.toLocalFile()))
                event.acceptProposedAction()
                return


def _issues_html(issues: list) -> str:
    """The check results as coloured lines, in the current language."""
    colors = _SEVERITY_COLOR_DARK if palette_is_dark() else _SEVERITY_COLOR
    if not issues:
        return (
            f"<span style='color:{colors['ok']}'>✓ {tr('The selection sounds like a good reference.')}</span>"
        )
    lines = [
        f"<span style='color:{colors.get(i.severity, '')}'>"
        f"• {retranslate(i.message)} {retranslate(i.hint)}</span>"
        for i in issues
    ]
    return "<br>".join(lines)
