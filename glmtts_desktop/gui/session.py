"""The generation flow: check the inputs, submit one job, follow it, keep the result in history.

Every bad input stops here with a sentence in the message bar and leaves the text, the overrides
and the reference untouched. Results are written to the library in the background.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from glmtts_desktop.engine.errors import GpuOutOfMemoryError
from glmtts_desktop.gui.errors import GuiInputError
from glmtts_desktop.gui.history import HistoryEntry
from glmtts_desktop.gui.history_open import open_entry
from glmtts_desktop.gui.i18n import tr
from glmtts_desktop.gui.inference import GenerateJob, GenerateOutput, RegenerateJob
from glmtts_desktop.gui.inference.client import LOADING, READY
from glmtts_desktop.gui.voices import ask
from glmtts_desktop.studio import Clip, DuplicatePolicy, DuplicateVoiceError, VoiceRef

if TYPE_CHECKING:  # pragma: no cover
    from glmtts_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 20000


class Session(QObject):
    generationStarted = Signal(int)
    generationDone = Signal(object)  # HistoryEntry once stored
    generationEnded = Signal(str)  # "finished" | "failed" | "cancelled"
    historyLoaded = Signal(int)  # number of entries now listed

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.job_id: int | None = None
        self.last_audio: np.ndarray | None = None
        self.last_sr = 0
        c = window.client
        c.jobProgress.connect(self._on_progress)
        c.jobFinished.connect(self._on_finished)
        c.jobFailed.connect(self._on_failed)
        c.jobCancelled.connect(self._on_cancelled)
        c.jobChunk.connect(self._on_chunk)
        g, r, v = window.generate_panel, window.result_panel, window.voice_panel
        g.generateRequested.connect(self.generate)
        g.cancelRequested.connect(self.cancel)
        r.exportRequested.connect(self.export)
        r.entryActivated.connect(self.replay)
        r.renameRequested.connect(self.rename)
        r.deleteRequested.connect(self.delete)
        r.regenerateRequested.connect(self.regenerate)
        r.openRequested.connect(lambda hid: open_entry(window, hid))
        window.history_search.changed.connect(self.refresh_history)
        v.saveVoiceRequested.connect(self.save_voice)
        v.voiceChosen.connect(self.choose_voice)
        window.text_panel.save_voice_button.clicked.connect(self.save_voice_overrides)
        v.referenceChanged.connect(self._reference_changed)
        window.voices_view.voicesChanged.connect(self._voices_listed)
        window.voices_view.voiceChosen.connect(self.choose_voice)
        window.voices_view.defaultClipChanged.connect(self._default_clip_changed)
        self.refresh_history()
        self.refresh_voices()

    @property
    def running(self) -> bool:
        return self.job_id is not None

    # --- generate ------------------------------------------------------------------------------
    def _check_model(self) -> None:
        state = self.w.client.state
        if state == LOADING:
            raise GuiInputError(
                tr("The model is still loading."), hint=tr("Wait until the status bar says ready.")
            )
        if state != READY:
            raise GuiInputError(
                tr("The model is not loaded."), hint=tr("Use Model → Reload model, or set up the weights.")
            )

    def generate(self, *, seed: int | None = None) -> int | None:
        """Start a generation from what is on screen; returns the job id, or None after a message."""
        if self.running or self.w.closed:
            return None
        text = self.w.text_panel.text()
        try:
            if not text.strip():
                raise GuiInputError(
                    tr("There is no text to speak."), hint=tr("Type or paste some text first.")
                )
            if len(text) > MAX_TEXT_CHARS:
                raise GuiInputError(
                    tr("The text is too long ({n} characters).", n=len(text)),
                    hint=tr("Split it into parts of at most {m} characters.", m=MAX_TEXT_CHARS),
                )
            audio, sr, transcript = self.w.voice_panel.reference()
            self._check_model()
        except GuiInputError as exc:
            self.w.show_error(exc)
            return None
        voice_name = self.w.voice_panel.name.text().strip() or self._voice_label()
        if not self.w.consent_gate.allow(self.w.voice_panel.voice_id, audio, sr, voice_name):
            return None
        settings = self.w.generate_panel.settings()
        if seed is not None:
            settings = settings.with_seed(int(seed))
            self.w.generate_panel.seed.setValue(int(seed))
        overrides = self.w.text_panel.overrides.as_tuple()
        name = self.w.voice_panel.name.text().strip() or self._voice_label()
        voice_id = self.w.voice_panel.voice_id
        source = self.w.voice_panel.source_path
        voice: VoiceRef = voice_id or Clip(audio, sr, transcript, name, source.name if source else "")
        return self._submit(
            GenerateJob(
                text=text, voice=voice, settings=settings, overrides=overrides, consent_acknowledged=True
            )
        )  # the consent gate asked already

    def _voice_label(self) -> str:
        p = self.w.voice_panel.source_path
        return p.stem if p is not None else tr("unsaved voice")

    def _submit(self, job: GenerateJob | RegenerateJob) -> int:
        self.w.messages.clear()
        self.job_id = self.w.client.submit(job)
        self.w.generate_panel.set_running(True)
        self.generationStarted.emit(self.job_id)
        return self.job_id

    def cancel(self) -> None:
        if self.job_id is not None:
            self.w.client.cancel(self.job_id)
            self.w.generate_panel.show_outcome(tr("Cancelling…"))

    def _on_progress(self, jid: int, progress) -> None:
        if jid == self.job_id:
            self.w.generate_panel.show_progress(progress)

    def _end(self, outcome: str, text: str) -> None:
        self.job_id = None
        self.w.generate_panel.set_running(False)
        self.w.generate_panel.show_outcome(text)
        self.generationEnded.emit(outcome)

    def _on_chunk(self, jid: int, audio: object, index: int) -> None:
        """Streamed audio of the running generation: heard at once, while the rest is made."""
        info = self.w.client.model_info
        if jid != self.job_id or info is None:
            return
        self.w.result_panel.stream_chunk(np.asarray(audio, dtype=np.float32), info.sample_rate, index)

    def _on_failed(self, jid: int, error: object) -> None:
        if jid != self.job_id:
            return
        self.w.result_panel.stream_abandoned()
        self._end("failed", tr("Failed."))
        self.w.show_error(error)
        if isinstance(error, GpuOutOfMemoryError):
            self.w.statusBar().showMessage(
                tr("Tip: Model → Unload, then Reload, frees all GPU memory."), 10000
            )

    def _on_cancelled(self, jid: int) -> None:
        if jid == self.job_id:
            self.w.result_panel.stream_abandoned()
            self._end("cancelled", tr("Cancelled."))

    def _on_finished(self, jid: int, out: object) -> None:
        """The worker already stored the generation (audio, tags, sidecar) through the Studio."""
        if jid != self.job_id or not isinstance(out, GenerateOutput):
            return
        result = out.result
        self.last_audio, self.last_sr = result.audio, result.sample_rate
        self._end("finished", tr("Done: {d:.1f} s of audio.", d=result.duration_s))
        self.w.result_panel.show_audio(result.audio, result.sample_rate)
        if out.record is None:
            return
        hid = out.record.id
        self.w.result_panel.current_id = hid

        def stored(entry: HistoryEntry) -> None:
            self.refresh_history(select=hid, then=lambda: self.generationDone.emit(entry))

        self.w.background.run(lambda: self.w.store.get_generation(hid), stored, self.w.show_error)

    # --- history -------------------------------------------------------------------------------
    def refresh_history(self, select: str | None = None, then: Callable[[], None] | None = None) -> None:
        """Reload the list from the library in the background (the window never waits on disk)."""

        def done(entries: list[HistoryEntry]) -> None:
            self.w.result_panel.set_history(entries)
            if select:
                self.w.result_panel.select_entry(select)
            self.historyLoaded.emit(len(entries))
            if then is not None:
                then()

        filters = self.w.history_search.filters()
        self.w.background.run(lambda: self.w.store.search_history(**filters), done, self.w.show_error)

    def replay(self, hid: str) -> None:
        def done(loaded) -> None:
            audio, sr = loaded
            self.w.result_panel.show_audio(audio, sr, hid)
            self.w.result_panel.play()

        self.w.background.run(lambda: self.w.store.generation_audio(hid), done, self.w.show_error)

    def rename(self, hid: str, title: str) -> None:
        self.w.background.run(
            lambda: self.w.store.rename_generation(hid, title),
            lambda _: self.refresh_history(select=hid),
            self.w.show_error,
        )

    def delete(self, hid: str) -> None:
        def done(_) -> None:
            if self.w.result_panel.current_id == hid:
                self.w.result_panel.current_id = None
            self.refresh_history()
            # no confirmation box: the entry goes to the trash and one click brings it back
            self.w.messages.show_message(
                tr("Moved to the library's trash."), "info", action=(tr("Undo"), lambda: self.undelete(hid))
            )

        self.w.background.run(lambda: self.w.store.delete_generation(hid), done, self.w.show_error)

    def undelete(self, hid: str) -> None:
        def done(_) -> None:
            self.w.messages.clear()
            self.refresh_history(select=hid)

        self.w.background.run(lambda: self.w.store.restore_generation(hid), done, self.w.show_error)

    def regenerate(self, hid: str, new_seed: bool) -> None:
        """Same text, voice, overrides and settings; the same seed or a new one."""
        if self.running:
            return
        try:
            self._check_model()
        except GuiInputError as exc:
            self.w.show_error(exc)
            return

        seed = self.w.generate_panel.roll_seed() if new_seed else None
        self._submit(RegenerateJob(generation_id=hid, seed=seed))  # the entry's own sample rate too

    def export(self, path: str, fmt: str) -> None:
        """Through the Studio: the file carries the AI label, tags and a JSON sidecar."""
        hid = self.w.result_panel.current_id
        if self.w.result_panel.audio is None:
            return
        if hid is None:
            self.w.show_error(
                GuiInputError(
                    tr("Only generations kept in the history can be exported."),
                    hint=tr("Generate again; the result is kept in the history."),
                )
            )
            return
        out = Path(path)
        if out.suffix.lower() != f".{fmt}":
            out = out.with_name(out.name + f".{fmt}")
        studio = self.w.client.studio
        self.w.background.run(
            lambda: studio.export_generation(hid, out),
            lambda p: self.w.statusBar().showMessage(tr("Saved {path}", path=str(p)), 8000),
            self.w.show_error,
        )

    # --- voices --------------------------------------------------------------------------------
    def refresh_voices(self, current: str | None = None) -> None:
        """Reload the Voices view; the picker follows it (one list of voices in the window)."""
        self.w.voices_view.refresh(select=current)

    def _voices_listed(self) -> None:
        vv = self.w.voices_view
        self.w.voice_panel.set_voices([(v.id, v.name) for v in vv.live_voices()])
        self.w.history_search.set_voices([(v.id, v.name) for v in vv.live_voices()])
        self.w.consent_gate.update_generate()

    def _default_clip_changed(self, vid: str) -> None:
        """The Voice panel shows the clip generation will use: reload it when that changed."""
        if self.w.voice_panel.voice_id == vid:
            self.choose_voice(vid, keep_text_overrides=True)

    def _reference_changed(self) -> None:
        self.w.text_panel.save_voice_button.setEnabled(self.w.voice_panel.voice_id is not None)
        self.w.consent_gate.update_generate()

    def save_voice(self, name: str, on_duplicate: DuplicatePolicy = "ask") -> None:
        v = self.w.voice_panel
        try:
            if not name:
                raise GuiInputError(tr("Give the voice a name first."))
            audio, sr, transcript = v.reference()
        except GuiInputError as exc:
            self.w.show_error(exc)
            return
        overrides = self.w.text_panel.overrides.as_tuple()
        source = v.source_path
        trim = v.selection()

        def done(saved) -> None:
            v.voice_id = saved.id
            self.w.settings.last_voice = saved.id
            self.refresh_voices(saved.id)
            self._reference_changed()
            self.w.statusBar().showMessage(tr("Voice “{name}” saved.", name=name), 5000)

        def failed(error) -> None:
            if not isinstance(error, DuplicateVoiceError):
                self.w.show_error(error)
                return
            answer = ask.ask_choice(
                self.w,
                tr("This voice is already saved"),
                tr(
                    "“{name}” is already in the library as “{existing}”.",
                    name=name,
                    existing=error.existing_name,
                ),
                [
                    ("open", tr("Open the saved voice")),
                    ("keep_both", tr("Keep both")),
                    ("cancel", tr("Cancel")),
                ],
            )
            if answer == "keep_both":
                self.save_voice(name, on_duplicate="keep_both")
            elif answer == "open":
                self.choose_voice(error.existing_id)

        self.w.background.run(
            lambda: self.w.store.save_voice(
                name, audio, sr, transcript, overrides, source, trim, on_duplicate=on_duplicate
            ),
            done,
            failed,
        )

    def choose_voice(self, vid: str, *, keep_text_overrides: bool = False, quiet: bool = False) -> None:
        """Put a saved voice on screen. ``keep_text_overrides``: the voice's pronunciations fill an
        empty overrides table only (at start-up a restored draft's are newer); ``quiet`` drops
        errors (a voice deleted since the last exit)."""

        def done(data) -> None:
            voice, audio, sr, overrides = data
            v = self.w.voice_panel
            v.set_audio(audio, sr, None, voice_id=vid)
            v.transcript.setPlainText(voice.transcript)
            v.name.setText(voice.name)
            v.set_voices_current(vid)
            if overrides and not (keep_text_overrides and len(self.w.text_panel.overrides)):
                self.w.text_panel.set_overrides(list(overrides))
            self.w.settings.last_voice = vid
            self._reference_changed()

        def failed(error) -> None:
            if quiet:
                log.info("voice %s not restored: %s", vid, error)
            else:
                self.w.show_error(error)

        self.w.background.run(lambda: self.w.store.load_voice(vid), done, failed)

    def save_voice_overrides(self) -> None:
        vid = self.w.voice_panel.voice_id
        if vid is None:
            return
        overrides = self.w.text_panel.overrides.as_tuple()
        self.w.background.run(
            lambda: self.w.store.set_voice_overrides(vid, overrides),
            lambda _: self.w.statusBar().showMessage(tr("Pronunciations saved for this voice."), 5000),
            self.w.show_error,
        )
