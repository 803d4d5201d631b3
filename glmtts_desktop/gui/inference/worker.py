"""InferenceWorker: lives in the inference QThread and owns the engine for the app's life.

Everything here runs in the worker thread. It runs one job at a time (queued slot calls are
serialised by the thread's event loop), and for every job emits exactly one terminal signal:
``finished``, ``failed`` or ``cancelled``. Cancel tokens are set by the GUI thread directly, so a
cancel does not wait behind the running job in the event queue.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from glmtts_desktop.engine.errors import SynthesisCancelled
from glmtts_desktop.engine.types import CancelToken, Progress
from glmtts_desktop.errors import CancelledError, GlmTtsError
from glmtts_desktop.gui.errors import GuiInputError, ModelNotReadyError, UnexpectedError
from glmtts_desktop.gui.inference.jobs import (
    GenerateJob,
    GenerateOutput,
    Job,
    LoadJob,
    ModelInfo,
    NormalizeJob,
    RegenerateJob,
    SampleRateJob,
    TextPreview,
    UnloadJob,
)
from glmtts_desktop.i18n import tr
from glmtts_desktop.studio import Studio
from glmtts_desktop.studio.engine_api import SpeechEngine
from glmtts_desktop.studio.studio import IDLE_RELEASE_AFTER_S

log = logging.getLogger(__name__)

EngineFactory = Callable[[LoadJob, Callable[[Progress], None]], SpeechEngine]  # (job, on_progress)
PROGRESS_MIN_INTERVAL_S = 0.05  # at most 20 progress signals a second


def real_engine_factory(job: LoadJob, on_progress: Callable[[Progress], None]) -> Any:
    """Import the engine (and torch) here, in the worker thread, only when a model is loaded."""
    from glmtts_desktop.engine import Engine, EngineConfig

    config = EngineConfig(
        model_dir=job.model_dir, device=job.device, dtype=job.dtype, sample_rate=job.sample_rate
    )
    return Engine.load(config, on_progress=on_progress)


class _Throttle:
    """Drops progress reports that come faster than the GUI needs; stage changes always pass."""

    def __init__(self, emit: Callable[[Progress], None], interval: float = PROGRESS_MIN_INTERVAL_S) -> None:
        self._emit = emit
        self._interval = interval
        self._last_t = 0.0
        self._last_key: tuple[str, int] | None = None

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        key = (p.stage, p.segment)
        if key != self._last_key or now - self._last_t >= self._interval or p.fraction >= 1.0:
            self._last_t, self._last_key = now, key
            self._emit(p)


class InferenceWorker(QObject):
    """Owns the engine; call its slots only through queued signals from the client."""

    started = Signal(int)  # job id
    progress = Signal(int, object)  # job id, Progress
    chunk = Signal(int, object, int)  # job id, audio of one finished segment, its index
    finished = Signal(int, object)  # job id, result
    failed = Signal(int, object)  # job id, GlmTtsError
    cancelled = Signal(int)
    modelChanged = Signal(object)  # ModelInfo or None

    def __init__(self, engine_factory: EngineFactory | None = None, studio: Studio | None = None) -> None:
        super().__init__()
        self._factory = engine_factory or real_engine_factory
        self._engine: SpeechEngine | None = None
        self._info: ModelInfo | None = None
        # the app's one Studio (shared with the GUI's library calls); without one, it only speaks
        self._studio = studio if studio is not None else Studio(None)
        self._load_job: LoadJob | None = None
        self.idle_release_ms = int(IDLE_RELEASE_AFTER_S * 1000)  # the studio decides; tests shorten it
        self._idle_timer: QTimer | None = None  # made in the worker thread, on the first job

    @property
    def studio(self) -> Studio:
        return self._studio

    # --- entry point -------------------------------------------------------------------------
    @Slot(object, object)
    def run_job(self, job: Job, token: CancelToken) -> None:
        """Run one job; always ends with exactly one terminal signal."""
        jid = job.job_id
        if token.cancelled and not isinstance(job, UnloadJob):
            self.cancelled.emit(jid)
            return
        self.started.emit(jid)
        try:
            result = self._dispatch(job, token)
        except (SynthesisCancelled, CancelledError):
            log.info("job %d cancelled", jid)
            self.cancelled.emit(jid)
        except GlmTtsError as exc:
            log.warning("job %d failed: %s (%s)", jid, exc.user_text(), exc.detail)
            self.failed.emit(jid, exc)
        except MemoryError as exc:
            self.failed.emit(
                jid,
                UnexpectedError(
                    tr("The computer ran out of memory."),
                    hint=tr("Close other programs or use a shorter text."),
                    detail=str(exc),
                ),
            )
        except Exception as exc:  # noqa: BLE001 - the worker must survive anything a job throws
            log.error("job %d crashed:\n%s", jid, traceback.format_exc())
            self.failed.emit(jid, _map_foreign(exc))
        else:
            if token.cancelled and isinstance(job, (GenerateJob, RegenerateJob)):
                self.cancelled.emit(jid)  # finished after the cancel: the person asked to drop it
            else:
                self.finished.emit(jid, result)
        finally:
            self._arm_idle_release()

    def _arm_idle_release(self) -> None:
        """(Re)start the idle countdown after every job; stopped while no engine is loaded."""
        if self._idle_timer is None:
            self._idle_timer = QTimer(self)
            self._idle_timer.setSingleShot(True)
            self._idle_timer.timeout.connect(self._release_idle_memory)
        if self._engine is None:
            self._idle_timer.stop()
        else:
            self._idle_timer.start(self.idle_release_ms)

    @Slot()
    def _release_idle_memory(self) -> None:
        if self._engine is None:
            return
        try:
            self._studio.release_idle_memory()
        except Exception:  # noqa: BLE001 - freeing memory must never take the worker down
            log.exception("releasing idle memory failed")
            return
        self._after_generation(self._engine)  # the memory figure shown has changed

    @Slot()
    def shutdown(self) -> None:
        """Unload in this thread (GPU memory belongs to it), then end this thread's event loop.

        Quitting from here, after the unload, guarantees the unload ran: a quit() posted from
        the GUI thread could end the loop before this queued call is delivered.
        """
        self._close_engine()
        thread = self.thread()
        if thread is not None:
            thread.quit()

    # --- jobs --------------------------------------------------------------------------------
    def _dispatch(self, job: Job, token: CancelToken) -> Any:
        if isinstance(job, LoadJob):
            return self._load(job, token)
        if isinstance(job, UnloadJob):
            self._close_engine()
            return None
        if isinstance(job, NormalizeJob):
            engine = self._require_engine()
            return TextPreview(tuple(engine.normalize(job.text)), tuple(engine.unspeakable_chars(job.text)))
        if isinstance(job, (GenerateJob, RegenerateJob)):
            return self._generate(job, token)
        if isinstance(job, SampleRateJob):
            return self._set_sample_rate(job)
        raise TypeError(f"unknown job {type(job).__name__}")

    def _load(self, job: LoadJob, token: CancelToken | None = None) -> ModelInfo:
        """Load; a cancel (e.g. the app closing) takes effect between the load's stages."""
        self._close_engine()

        def on_progress(p: Progress) -> None:
            if token is not None:
                token.raise_if_cancelled()
            self.progress.emit(job.job_id, p)

        engine = self._factory(job, on_progress)
        self._engine = engine
        self._studio.attach_engine(engine)
        self._load_job = job
        self._info = self._describe(job)
        self.modelChanged.emit(self._info)
        return self._info

    def _set_sample_rate(self, job: SampleRateJob) -> ModelInfo:
        engine = self._require_engine()
        assert self._load_job is not None
        if int(engine.sample_rate) != job.sample_rate:
            engine.set_sample_rate(job.sample_rate)  # the analysis cache key has the rate
        self._load_job = dataclasses.replace(self._load_job, sample_rate=job.sample_rate)
        self._info = self._describe(self._load_job)
        self.modelChanged.emit(self._info)
        return self._info

    def _describe(self, job: LoadJob) -> ModelInfo:
        e = self._require_engine()
        return ModelInfo(
            model_dir=str(job.model_dir),
            device=str(e.device_name),
            memory_bytes=int(e.memory_in_use()),
            sample_rate=int(e.sample_rate),
            sample_rates=tuple(int(x) for x in e.available_sample_rates()),
            random_checkpoint=bool(e.is_random_checkpoint),
        )

    def _generate(self, job: GenerateJob | RegenerateJob, token: CancelToken) -> GenerateOutput:
        """Through the Studio: consent rule, the one voice cache, synthesis, then the history
        entry with its provenance (one writer). A cancel before storing stores nothing."""
        engine = self._require_engine()
        studio, jid = self._studio, job.job_id
        progress = _Throttle(lambda p: self.progress.emit(jid, p))
        callbacks: dict[str, Any] = {
            "on_progress": progress,
            "on_chunk": lambda audio, index: self.chunk.emit(jid, audio, int(index)),
            "cancel": token,
        }
        progress(Progress("prompt", 0, 1, 0.0, tr("Analysing the voice")))
        record = None
        if isinstance(job, RegenerateJob):
            gen = studio.regenerate(
                job.generation_id, seed=job.seed, consent_acknowledged=job.consent_acknowledged, **callbacks
            )
            prompt, result, settings, record = gen.voice_prompt, gen.result, gen.settings, gen.record
        else:
            if job.voice is None:
                raise GuiInputError(
                    tr("No reference voice was given."), hint=tr("Record or import a voice first.")
                )
            speech = studio.speak(
                job.voice,
                job.text,
                job.settings,
                job.overrides,
                consent_acknowledged=job.consent_acknowledged,
                **callbacks,
            )
            if job.store and studio.has_library:
                record = studio.store(speech, title=job.title).record
            prompt, result, settings = speech.voice_prompt, speech.result, speech.settings
        self._after_generation(engine)
        return GenerateOutput(voice=prompt, result=result, job=job, record=record, settings=settings)

    def _after_generation(self, engine: Any) -> None:
        """Memory use changes after a generation, and the studio may have switched the rate."""
        if self._info is None:
            return
        rate = int(engine.sample_rate)
        if self._load_job is not None and self._load_job.sample_rate != rate:
            self._load_job = dataclasses.replace(self._load_job, sample_rate=rate)
        self._info = dataclasses.replace(
            self._info, memory_bytes=int(engine.memory_in_use()), sample_rate=rate
        )
        self.modelChanged.emit(self._info)

    def _require_engine(self) -> SpeechEngine:
        if self._engine is None:
            raise ModelNotReadyError(
                tr("The model is not loaded."), hint=tr("Wait for loading to finish, or use Model → Reload.")
            )
        return self._engine

    def _close_engine(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.stop()
        engine, self._engine = self._engine, None
        self._studio.attach_engine(None)
        if engine is not None:
            try:
                engine.close()
            except Exception:  # noqa: BLE001 - closing must not stop shutdown
                log.exception("engine.close() failed")
        if self._info is not None:
            self._info = None
            self.modelChanged.emit(None)


def _map_foreign(exc: Exception) -> GlmTtsError:
    """Turn a non-project exception into a sentence; CUDA OOM gets its own advice."""
    text = f"{type(exc).__name__}: {exc}"
    if "out of memory" in text.lower():
        from glmtts_desktop.engine.errors import GpuOutOfMemoryError

        return GpuOutOfMemoryError(
            tr("The GPU ran out of memory."),
            hint=tr("Use a shorter text, close other GPU programs, or unload and reload the model."),
            detail=text,
        )
    return UnexpectedError.wrap(exc)
