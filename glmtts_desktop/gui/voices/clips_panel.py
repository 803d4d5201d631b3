"""The clips of one voice in the Voices view: list, play, add from a file, choose the default, remove.

Why a panel of its own: the Voices view edits the record (name, speaker, consent); this part
works on audio. Every library call runs in the background pool; a newly added file is trimmed
to its clearest 3-10 s the way the Voice panel does it, and its original is kept byte for byte.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from glmtts_desktop.audio import AudioBackend, AudioError, Player, auto_trim, load_audio
from glmtts_desktop.gui.background import Background
from glmtts_desktop.gui.i18n import tr, translator
from glmtts_desktop.gui.voices import ask, clip_dialog
from glmtts_desktop.i18n import N_
from glmtts_desktop.library import Voice, VoiceClip
from glmtts_desktop.studio import Studio

log = logging.getLogger(__name__)

MAX_IMPORT_S = 300.0  # as the Voice panel: the first 5 minutes of a long file
LONG_CLIP_S = 12.0  # a longer file is trimmed to its clearest part


def clip_label(c: VoiceClip) -> str:
    star = "★ " if c.is_default else "    "
    flat = " ".join(c.transcript.split())
    text = flat if len(flat) <= 40 else flat[:39] + "…"
    note = f" · {c.note}" if c.note else ""
    return f"{star}{c.duration:.1f} s  “{text}”{note}"


def choose_audio_file(parent: QWidget | None) -> Path | None:
    """Ask for an audio file (tests replace this)."""
    path, _ = QFileDialog.getOpenFileName(
        parent, tr("Add a clip"), "", tr("Audio files (*.wav *.flac *.mp3 *.ogg *.m4a);;All files (*)")
    )
    return Path(path) if path else None


class ClipsPanel(QWidget):
    errorOccurred = Signal(object)
    messageOccurred = Signal(str)
    defaultChanged = Signal(str)  # voice id whose default clip changed

    def __init__(
        self,
        studio: Studio,
        background: Background,
        backend: AudioBackend | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        t = translator()
        self.studio = studio
        self.background = background
        self.backend = backend
        self._player: Player | None = None
        self._voice: Voice | None = None
        self._live = False
        self._gen = 0
        self.list = QListWidget()
        self.list.setObjectName("voiceClipsList")
        self.list.setMaximumHeight(110)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.list.itemDoubleClicked.connect(lambda _: self.play())
        self.buttons: dict[str, QPushButton] = {}
        for key, label, tip, slot in (
            ("play", N_("▶ Play"), N_("Listen to the chosen clip"), self.play),
            ("add", N_("Add clip…"), N_("Add another recording of this voice, with what it says"), self.add),
            ("edit", N_("Edit…"), N_("Correct what the chosen clip says, or its note"), self.edit),
            (
                "default",
                N_("Use for new speech"),
                N_("Generate with the chosen clip from now on"),
                self.make_default,
            ),
            ("remove", N_("Remove clip…"), N_("Delete the chosen clip (not the last one)"), self.remove),
        ):
            b = QPushButton()
            b.setObjectName(f"clip_{key}")
            t.bind(b.setText, label)
            t.bind(b.setToolTip, tip)
            b.clicked.connect(lambda _=False, s=slot: s())
            self.buttons[key] = b
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        for keys in (("play", "add", "edit"), ("default", "remove")):  # two rows fit a narrow dock
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 0, 0)
            for key in keys:
                row.addWidget(self.buttons[key])
            row.addStretch(1)
            layout.addLayout(row)
        self._update_buttons()

    # --- what is shown ------------------------------------------------------------------------
    def show_voice(self, voice: Voice | None, *, live: bool, force: bool = False) -> None:
        """List this voice's clips (in the background); None clears the list. The same voice
        again only updates the record (name) unless ``force``."""
        same = (voice.id if voice else None) == self.current_voice_id() and live == self._live
        self._voice, self._live = voice, live
        if same and not force:
            self._update_buttons()
            return
        self._gen += 1
        gen = self._gen
        if voice is None:
            self._fill([])
            return
        vid = voice.id

        def done(clips: list[VoiceClip]) -> None:
            if gen == self._gen:
                self._fill(clips)

        self.background.run(lambda: self.studio.list_clips(vid), done, self.errorOccurred.emit)

    @property
    def live(self) -> bool:
        return self._live

    def current_voice_id(self) -> str | None:
        return None if self._voice is None else self._voice.id

    def reload(self) -> None:
        self.show_voice(self._voice, live=self._live, force=True)

    def _fill(self, clips: list[VoiceClip]) -> None:
        current = self.current_id()
        self.list.clear()
        for c in clips:
            item = QListWidgetItem(clip_label(c))
            item.setData(Qt.ItemDataRole.UserRole, c)
            tip = tr("{d:.1f} s, {rate} Hz", d=c.duration, rate=c.sample_rate)
            if c.original_name:
                tip += " — " + c.original_name
            item.setToolTip(tip + "\n" + c.transcript)
            self.list.addItem(item)
        row = next((i for i, c in enumerate(clips) if c.id == current), None)
        if row is None:
            row = next((i for i, c in enumerate(clips) if c.is_default), 0)
        if clips:
            self.list.setCurrentRow(row)
        self._update_buttons()

    def clips(self) -> list[VoiceClip]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def current(self) -> VoiceClip | None:
        item = self.list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def current_id(self) -> str | None:
        c = self.current()
        return None if c is None else c.id

    def select(self, clip_id: str) -> bool:
        for i, c in enumerate(self.clips()):
            if c.id == clip_id:
                self.list.setCurrentRow(i)
                return True
        return False

    def _update_buttons(self) -> None:
        c = self.current()
        self.buttons["play"].setEnabled(c is not None and self.backend is not None)
        self.buttons["add"].setEnabled(self._voice is not None and self._live)
        self.buttons["edit"].setEnabled(c is not None and self._live)
        self.buttons["default"].setEnabled(c is not None and self._live and not c.is_default)
        self.buttons["remove"].setEnabled(c is not None and self._live and self.list.count() > 1)

    # --- actions --------------------------------------------------------------------------------
    def _run(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.background.run(work, done, self.errorOccurred.emit)

    def play(self) -> None:
        c = self.current()
        if c is None or self.backend is None:
            return
        backend = self.backend

        def done(data: tuple[np.ndarray, int]) -> None:
            if self._player is None:
                self._player = Player(backend)
            try:
                self._player.stop()
                self._player.load(data[0], data[1])
                self._player.play()
            except AudioError as exc:
                self.errorOccurred.emit(exc)

        self._run(lambda: self.studio.library.load_voice_clip(c), done)

    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()

    def make_default(self) -> None:
        v, c = self._voice, self.current()
        if v is None or c is None or c.is_default:
            return

        def done(clip: VoiceClip) -> None:
            self.messageOccurred.emit(tr("New speech with “{name}” now uses this clip.", name=v.name))
            self.defaultChanged.emit(v.id)
            self.reload()

        self._run(lambda: self.studio.set_default_clip(v.id, c.id), done)

    def edit(self) -> None:
        v, c = self._voice, self.current()
        if v is None or c is None:
            return
        about = tr("{d:.1f} s", d=c.duration) + (f" — {c.original_name}" if c.original_name else "")
        details = clip_dialog.ask_clip_details(self, about, clip_dialog.ClipDetails(c.transcript, c.note))
        if details is None or (details.transcript, details.note) == (c.transcript, c.note):
            return

        def done(clip: VoiceClip) -> None:
            if clip.is_default:  # the voice's transcript changed: the Voice panel follows
                self.defaultChanged.emit(v.id)
            self.reload()

        self._run(
            lambda: self.studio.update_clip(c.id, transcript=details.transcript, note=details.note), done
        )

    def remove(self) -> None:
        v, c = self._voice, self.current()
        if v is None or c is None:
            return
        answer = ask.ask_choice(
            self,
            tr("Remove this clip?"),
            tr(
                "Delete the clip “{text}” of “{name}” for good?",
                text=" ".join(c.transcript.split())[:40],
                name=v.name,
            ),
            [("remove", tr("Remove clip")), ("cancel", tr("Cancel"))],
            detail=tr("Its original recording stays if another clip uses it. This cannot be undone."),
        )
        if answer != "remove":
            return

        def done(result: Any) -> None:
            if result.message:
                self.messageOccurred.emit(result.message)
                self.defaultChanged.emit(v.id)
            self.reload()

        self._run(lambda: self.studio.remove_clip(c.id), done)

    def add(self) -> None:
        path = choose_audio_file(self)
        if path is not None:
            self.add_from_file(path)

    def add_from_file(self, path: Path) -> None:
        """Load ``path``, keep its clearest 3-10 s, ask what it says, add it to the voice."""
        v = self._voice
        if v is None:
            return

        def work() -> tuple[np.ndarray, int, tuple[float, float] | None]:
            clip = load_audio(path, mono=True, max_seconds=MAX_IMPORT_S)
            x, sr = clip.samples, clip.sample_rate
            if len(x) <= LONG_CLIP_S * sr:
                return x, sr, None
            start, end = auto_trim(x, sr)
            return x[start:end], sr, (start / sr, end / sr)

        def loaded(data: tuple[np.ndarray, int, tuple[float, float] | None]) -> None:
            samples, sr, trim = data
            about = tr("{name}: {d:.1f} s.", name=path.name, d=len(samples) / sr)
            if trim is not None:
                about = tr(
                    "{name}: the clearest {d:.1f} s ({start:.1f}–{end:.1f} s) will be used.",
                    name=path.name,
                    d=len(samples) / sr,
                    start=trim[0],
                    end=trim[1],
                )
            details = clip_dialog.ask_clip_details(self, about)
            if details is None:
                return

            def added(clip: VoiceClip) -> None:
                self.messageOccurred.emit(tr("Clip added to “{name}”.", name=v.name))
                if clip.is_default:
                    self.defaultChanged.emit(v.id)
                self.reload()

            self._run(
                lambda: self.studio.add_clip(
                    v.id,
                    samples,
                    sr,
                    details.transcript,
                    original=path,
                    trim=trim,
                    note=details.note,
                    make_default=details.make_default,
                ),
                added,
            )

        self._run(work, loaded)
