"""The generation flow: check the inputs, submit one job, follow it, keep the result in history.

Every bad input stops here with a sentence in the message bar and leaves the text, the overrides
and the reference untouched. Results are written to the library in the background.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from glmtts_desktop.audio.stream_buffer import expected_speech_seconds
from glmtts_desktop.engine.errors import GpuOutOfMemoryError
from glmtts_desktop.engine.types import Progress, SynthesisResult
from glmtts_desktop.gui.errors import GuiInputError
from glmtts_desktop.gui.eta import EtaEstimator, format_remaining
from glmtts_desktop.gui.history import HistoryEntry
from glmtts_desktop.gui.history_open import open_entry
from glmtts_desktop.gui.i18n import tr
from glmtts_desktop.gui.inference import GenerateJob, GenerateOutput, RegenerateJob
from glmtts_desktop.gui.inference.client import LOADING, READY
from glmtts_desktop.gui.panels import segment_list as seg
from glmtts_desktop.gui.voices import ask
from glmtts_desktop.i18n import N_
from glmtts_desktop.studio import Clip, DuplicatePolicy, DuplicateVoiceError, VoiceRef

if TYPE_CHECKING:  # pragma: no cover
    from glmtts_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 20000
MSG_CUT_ONE = N_(
    "Segment {n} may be cut short: it did not end by itself. Try splitting the sentence or another seed."
)
MSG_CUT_MANY = N_(
    "Segments {numbers} may be cut short: they did not end by themselves. "
    "Try splitting those sentences or another seed."
)


def _passes(check: Callable[[], object]) -> bool:
    """Whether an input check no longer finds its problem (the error bar then hides)."""
    try:
        check()
    except GuiInputError:
        return False
    return True


def cut_warning(numbers: list[int]) -> str:
    """The sentence shown when parts hit the length limit (1-based part numbers)."""
    if len(numbers) == 1:
        return tr(MSG_CUT_ONE, n=numbers[0])
    return tr(MSG_CUT_MANY, numbers=", ".join(str(n) for n in numbers))


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
        self._eta = EtaEstimator()
        self._follow = False  # the segment list shows this job's parts (same text, same split)
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
        v.addClipRequested.connect(self.add_selection_as_clip)
        window.text_panel.save_voice_button.clicked.connect(self.save_voice_overrides)
        v.referenceChanged.connect(self._reference_changed)
        window.voices_view.voicesChanged.connect(self._voices_listed)
        window.voices_view.voiceChosen.connect(self.choose_voice)
        window.voices_view.defaultClipChanged.connect(self._default_clip_changed)
        # an error caused by missing input hides once that input is there
        recheck = window.messages.recheck
        window.text_panel.editor.textChanged.connect(recheck)
        v.referenceChanged.connect(recheck)
        v.transcript.textChanged.connect(recheck)
        c.stateChanged.connect(lambda _state: recheck())
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

    def _check_text(self) -> None:
        text = self.w.text_panel.text()
        if not text.strip():
            raise GuiInputError(tr("There is no text to speak."), hint=tr("Type or paste some text first."))
        if len(text) > MAX_TEXT_CHARS:
            raise GuiInputError(
                tr("The text is too long ({n} characters).", n=len(text)),
                hint=tr("Split it into parts of at most {m} characters.", m=MAX_TEXT_CHARS),
            )

    def _inputs_ok(self, checks: tuple[Callable[[], object], ...]) -> bool:
        """Run the checks in order; the first problem is shown until that input is fixed."""
        for check in checks:
            try:
                check()
            except GuiInputError as exc:
                self.w.messages.show_error(exc, fixed_when=functools.partial(_passes, check))
                return False
        return True

    def generate(self, *, seed: int | None = None) -> int | None:
        """Start a generation from what is on screen; returns the job id, or None after a message."""
        if self.running or self.w.closed:
            return None
        text = self.w.text_panel.text()
        if not self._inputs_ok((self._check_text, self.w.voice_panel.reference, self._check_model)):
            return None
        audio, sr, transcript = self.w.voice_panel.reference()
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
        segments = self.w.text_panel.segments
        # the list follows the job only when it shows the model's split of this very text
        self._follow = (
            isinstance(job, GenerateJob)
            and job.text == self.w.text_panel.text()
            and not self.w.text_panel.approximate
            and segments.count() > 0
        )
        self._eta.start([len(t) for t in segments.texts()] if self._follow else ())
        if self._follow:
            segments.set_all(seg.WAITING)
        self.w.result_panel.stream_pending(
            expected_speech_seconds(job.text) if isinstance(job, GenerateJob) else None
        )
        self.job_id = self.w.client.submit(job)
        self.w.generate_panel.set_running(True)
        self.generationStarted.emit(self.job_id)
        return self.job_id

    def cancel(self) -> None:
        if self.job_id is not None:
            self.w.client.cancel(self.job_id)
            self.w.generate_panel.show_outcome(tr("Cancelling…"))

    def _on_progress(self, jid: int, progress: Progress) -> None:
        if jid != self.job_id:
            return
        panel = self.w.generate_panel
        panel.show_progress(progress)
        left = self._eta.update(progress)
        panel.show_eta(format_remaining(left) if left is not None else "")
        self._follow_segments(progress)

    def _follow_segments(self, p: Progress) -> None:
        """Mark the parts before the current one done, the current one speaking (or done)."""
        segments = self.w.text_panel.segments
        if not self._follow or p.stage not in ("llm", "flow", "vocoder"):
            return
        if segments.count() != p.total_segments:  # the text was edited: the list no longer fits
            self._follow = False
            segments.set_all("")
            return
        i = p.segment
        for j in range(i):
            if segments.status(j) in (seg.WAITING, seg.GENERATING):
                segments.set_status(j, seg.DONE)
        finished = p.stage == "vocoder" and p.fraction * p.total_segments >= i + 1 - 1e-6
        segments.set_status(i, seg.DONE if finished else seg.GENERATING)

    def _end(self, outcome: str, text: str) -> None:
        self.job_id = None
        panel = self.w.generate_panel
        panel.set_running(False)
        panel.show_outcome(text)
        panel.show_eta("")
        segments = self.w.text_panel.segments
        if outcome != "finished":
            panel.progress.setValue(0)  # idle again: nothing half-done is left on the bar
            if self._follow:
                last = seg.FAILED if outcome == "failed" else seg.STOPPED
                segments.set_all(last, only=(seg.GENERATING,))
        if self._follow:  # parts never reached (or skipped as silent) carry no mark
            segments.set_all("", only=(seg.WAITING, seg.GENERATING))
        self._follow = False
        self.generationEnded.emit(outcome)

    def _show_segment_results(self, job: GenerateJob | RegenerateJob, result: SynthesisResult) -> None:
        """Final marks (done / may be cut short) and a visible warning for parts that were cut."""
        cut = [s.index + 1 for s in result.segments if s.hit_max_length]
        panel = self.w.text_panel
        segments = panel.segments
        same_text = isinstance(job, GenerateJob) and job.text == panel.text()
        if same_text and not self._follow:  # the list was rough or edited: show the model's split
            indices = [s.index for s in result.segments]
            if indices == list(range(len(indices))):
                panel.set_segments([s.normalized for s in result.segments], approximate=False)
        if same_text and segments.count() >= len(result.segments):
            for s in result.segments:
                segments.set_status(s.index, seg.CUT if s.hit_max_length else seg.DONE)
        if cut:
            log.info("segments cut at the length limit: %s", cut)
            self.w.messages.show_message(cut_warning(cut), "warning")

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
        self._show_segment_results(out.job, result)
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
        if not self._inputs_ok((self._check_model,)):
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

    def add_selection_as_clip(self, vid: str) -> None:
        """Keep the selected part (with its transcript, and the file it came from as the
        untouched original with the trim recorded) as another clip of the saved voice."""
        v = self.w.voice_panel
        try:
            audio, sr, transcript = v.reference()
        except GuiInputError as exc:
            self.w.show_error(exc)
            return
        index = v.voices.findData(vid)
        name = v.voices.itemText(index) if index >= 0 else ""
        answer = ask.ask_choice(
            self.w,
            tr("Add a clip"),
            tr(
                "Keep the selected {d:.1f} s as another clip of “{name}”?",
                d=len(audio) / sr,
                name=name,
            ),
            [
                ("add", tr("Add the clip")),
                ("default", tr("Add and use it from now on")),
                ("cancel", tr("Cancel")),
            ],
        )
        if answer not in ("add", "default"):
            return
        source, trim = v.source_path, v.selection()

        def done(clip) -> None:
            clips = self.w.voices_view.clips
            self.w.voices_view.refresh(
                select=vid, then=lambda: clips.reload() if clips.current_voice_id() == vid else None
            )
            self.w.statusBar().showMessage(tr("Clip added to “{name}”.", name=name), 5000)
            if clip.is_default:
                self._default_clip_changed(vid)

        studio = self.w.store.studio
        self.w.background.run(
            lambda: studio.add_clip(
                vid,
                audio,
                sr,
                transcript,
                original=source,
                trim=trim if source is not None else None,
                make_default=answer == "default",
            ),
            done,
            self.w.show_error,
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
