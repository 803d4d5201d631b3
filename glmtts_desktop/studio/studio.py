"""``Studio``: the application's use cases, shared by the CLI, batch and the GUI worker.

Why a layer of its own: the generate use case (check consent, analyse the voice once, speak,
store the audio with its provenance) used to be assembled separately in three front ends,
which drifted apart. The Studio owns the engine, the library and the one voice cache; front
ends only build a ``GenerationSettings`` and call it. It never imports Qt; long calls take
``on_progress`` / ``on_chunk`` / ``cancel`` so a GUI worker thread can run them.

    studio = Studio(Library(root), engine)
    gen = studio.generate(voice_id, "Hello.", GenerationSettings(seed=7))
    again = studio.regenerate(gen.id)          # the same audio, sample rate included
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from glmtts_desktop import __version__
from glmtts_desktop.engine.types import (
    CancelToken,
    ChunkCallback,
    ProgressCallback,
    PronunciationOverride,
    VoicePrompt,
)
from glmtts_desktop.i18n import tr
from glmtts_desktop.library import Generation as GenerationRecord
from glmtts_desktop.library import Library, NotFoundError, Voice
from glmtts_desktop.library.types import utc_now
from glmtts_desktop.studio.consent import check_may_generate
from glmtts_desktop.studio.engine_api import SpeechEngine
from glmtts_desktop.studio.errors import StudioError, VoiceUnavailableError
from glmtts_desktop.studio.history_ops import HistoryOps
from glmtts_desktop.studio.model_revision import model_revision
from glmtts_desktop.studio.settings import GenerationSettings
from glmtts_desktop.studio.types import Clip, Generation, Speech, VoiceRef
from glmtts_desktop.studio.voice_cache import VoiceCache
from glmtts_desktop.studio.voice_ops import VoiceOps

log = logging.getLogger(__name__)

UNSAVED_VOICE = "unsaved voice"
# After this long without a job the GUI asks for a deep release (``Studio.release_idle_memory``):
# long enough that someone editing text between takes keeps a warm engine.
IDLE_RELEASE_AFTER_S = 120.0


def weights_fingerprint(engine: SpeechEngine) -> str:
    """The engine's weights fingerprint as written into files that leave the app: hashed, because
    the raw one names the model folder (a local path, e.g. with the user's name)."""
    return hashlib.sha256(str(engine.model_fingerprint).encode("utf-8")).hexdigest()[:32]


class EngineNotLoadedError(StudioError):
    """A use case that speaks was called before an engine was attached."""


class Studio(VoiceOps, HistoryOps):
    """Owns ``library`` and (once attached) the engine. Thread-safe where the library is; the
    engine itself must be used from one thread at a time (the GUI's inference worker)."""

    def __init__(
        self, library: Library | None, engine: SpeechEngine | None = None, *, model_revision: str = ""
    ) -> None:
        self._library = library
        self._engine = engine
        self.model_revision = model_revision
        self.voice_cache = VoiceCache(library)
        self._acknowledged: set[str] = set()  # voices/clips whose missing consent the user accepted

    @property
    def library(self) -> Library:
        """The open library; a studio made without one (CLI ``synth --reference``) only speaks."""
        if self._library is None:
            raise StudioError(
                tr("No voice library is open."), hint=tr("Pass --data-dir with the library folder.")
            )
        return self._library

    @property
    def has_library(self) -> bool:
        return self._library is not None

    # -- engine ------------------------------------------------------------------------------------
    @property
    def engine(self) -> SpeechEngine:
        if self._engine is None:
            raise EngineNotLoadedError(
                tr("The model is not loaded."), hint=tr("Wait for loading to finish, or load the model.")
            )
        return self._engine

    @property
    def has_engine(self) -> bool:
        return self._engine is not None

    def attach_engine(self, engine: SpeechEngine | None, *, model_revision: str | None = None) -> None:
        """Use ``engine`` from now on (None detaches it); the memory cache is per engine."""
        self._engine = engine
        self.model_revision = model_revision or ""  # worked out again for the new engine
        self.voice_cache.clear_memory()

    def release_idle_memory(self) -> None:
        """The app has been idle for ``IDLE_RELEASE_AFTER_S``: let the engine give back all it can
        rebuild (KV cache, CUDA graphs, speech tokenizer); the next job pays a short reload."""
        if self._engine is not None:
            self._engine.release_idle_memory(deep=True)

    def use_sample_rate(self, sample_rate: int) -> None:
        """Switch the engine's output rate if it differs (prompt mels depend on it)."""
        engine = self.engine
        if int(engine.sample_rate) != int(sample_rate):
            engine.set_sample_rate(int(sample_rate))

    # -- voices as the engine sees them --------------------------------------------------------------
    def _voice_audio(
        self, voice: VoiceRef, clip_id: str | None = None
    ) -> tuple[Voice | None, np.ndarray, int, str, str]:
        """(saved voice or None, samples, rate, transcript, display name). ``clip_id``: speak
        with that clip of the saved voice instead of its default; the voice returned then
        describes that clip as its reference (so history records the clip really used)."""
        if isinstance(voice, Clip):
            return None, voice.samples, int(voice.sample_rate), voice.transcript, voice.name or UNSAVED_VOICE
        v = self.library.get_voice(voice)
        if v.deleted:
            raise VoiceUnavailableError(
                tr("The voice “{name}” is in the trash.", name=v.name), hint=tr("Restore it to use it again.")
            )
        if clip_id is not None and clip_id != v.default_clip_id:
            c = self.library.get_voice_clip(clip_id)
            if c.voice_id != v.id:
                raise VoiceUnavailableError(
                    tr("That clip is not in the library."), detail=f"{v.id}/{clip_id}"
                )
            v = dataclasses.replace(
                v,
                transcript=c.transcript,
                reference_path=c.path,
                reference_sha256=c.sha256,
                reference_sample_rate=c.sample_rate,
                reference_duration=c.duration,
                trim=c.trim,
                original_path=c.original_path,
                original_sha256=c.original_sha256,
                original_name=c.original_name,
                default_clip_id=c.id,
            )
        samples, sr = self.library.load_voice_reference(v)
        return v, samples, sr, v.transcript, v.name

    def prepare_voice(self, voice: VoiceRef, *, sample_rate: int | None = None) -> VoicePrompt:
        """The engine's analysis of a voice, computed once per clip and weights and kept in the
        library; ``sample_rate`` switches the engine first when given."""
        if sample_rate is not None:
            self.use_sample_rate(sample_rate)
        _v, samples, sr, transcript, _name = self._voice_audio(voice)
        return self.voice_cache.prompt(self.engine, samples, sr, transcript)

    def acknowledge_missing_consent(self, voice: VoiceRef) -> None:
        """Remember (for this session) that the user chose to go on without a consent record."""
        self._acknowledged.add(self._ack_key(voice))

    def _ack_key(self, voice: VoiceRef) -> str:
        if isinstance(voice, Clip):
            from glmtts_desktop.library.clips import clip_digest

            return "clip:" + clip_digest(voice.samples, voice.sample_rate)
        return "voice:" + voice

    # -- generate --------------------------------------------------------------------------------
    def speak(
        self,
        voice: VoiceRef,
        text: str,
        settings: GenerationSettings,
        overrides: Iterable[PronunciationOverride] = (),
        *,
        consent_acknowledged: bool = False,
        on_progress: ProgressCallback | None = None,
        on_chunk: ChunkCallback | None = None,
        cancel: CancelToken | None = None,
        clip_id: str | None = None,
    ) -> Speech:
        """Check consent, analyse the voice (once, cached) and synthesise; stores nothing.

        Raises ConsentRevokedError (withdrawn consent), ConsentRequiredError (no consent record
        and neither ``consent_acknowledged`` nor an earlier acknowledgement), engine errors and
        SynthesisCancelled. ``clip_id`` picks a clip of a saved voice other than its default."""
        overrides = tuple(overrides)
        saved, samples, sr, transcript, name = self._voice_audio(voice, clip_id)
        ack_key = self._ack_key(voice)
        acknowledged = consent_acknowledged or ack_key in self._acknowledged
        check_may_generate(saved, name, acknowledged=acknowledged)
        if acknowledged and (saved is None or saved.consent is None):
            self._acknowledged.add(ack_key)
        self.use_sample_rate(settings.sample_rate)
        engine = self.engine
        prompt = self.voice_cache.prompt(engine, samples, sr, transcript)
        if cancel is not None:
            cancel.raise_if_cancelled()
        try:
            result = engine.synthesize(
                settings.request(text, prompt, overrides),
                on_progress=on_progress,
                cancel=cancel,
                on_chunk=on_chunk,
            )
        finally:
            engine.release_idle_memory()  # a long job's KV cache is not kept for the next one
        if cancel is not None:
            cancel.raise_if_cancelled()
        return Speech(
            voice, saved, name, transcript, text, settings, overrides, prompt, result, self.model_info()
        )

    def generate(
        self,
        voice: VoiceRef,
        text: str,
        settings: GenerationSettings,
        overrides: Iterable[PronunciationOverride] = (),
        *,
        title: str | None = None,
        consent_acknowledged: bool = False,
        on_progress: ProgressCallback | None = None,
        on_chunk: ChunkCallback | None = None,
        cancel: CancelToken | None = None,
        clip_id: str | None = None,
    ) -> Generation:
        """``speak``, then store the audio with its provenance in the library (one writer).
        Raises what ``speak`` raises, and library storage errors (then nothing is stored)."""
        speech = self.speak(
            voice,
            text,
            settings,
            overrides,
            consent_acknowledged=consent_acknowledged,
            on_progress=on_progress,
            on_chunk=on_chunk,
            cancel=cancel,
            clip_id=clip_id,
        )
        return self.store(speech, title=title)

    def store(self, speech: Speech, *, title: str | None = None) -> Generation:
        """Keep a ``speak`` result in the history (an unsaved clip is kept too, for "Again")."""
        record_settings = speech.record_settings()
        if isinstance(speech.voice, Clip):
            clip = speech.voice
            record_settings["reference_clip"] = self.library.keep_clip(clip.samples, clip.sample_rate)
        result = speech.result
        record = self.library.add_generation(
            speech.text,
            speech.saved.id if speech.saved is not None else None,
            speech.voice_name,
            speech.settings.seed,
            record_settings,
            result.audio,
            result.sample_rate,
            title=title,
            model_info=speech.model_info,
            normalized_text=speech.normalized_text,
        )
        return Generation(record, result, speech.settings, speech.overrides, speech.voice_prompt)

    def write_speech(
        self,
        speech: Speech,
        out: str | Path,
        *,
        title: str | None = None,
        stored: Generation | None = None,
    ) -> Path:
        """Write a ``speak`` result to a file outside the library (CLI ``synth``, ``batch``) with
        the same tags and sidecar as a history export. ``stored``: the history entry ``store``
        made of this speech, so the file names the same generation id as the history."""
        from glmtts_desktop.library.provenance import export_audio

        result = speech.result
        if stored is not None:
            return export_audio(Path(out), result.audio, result.sample_rate, stored.record)
        record = GenerationRecord(
            id=uuid.uuid4().hex,
            created_at=utc_now(),
            text=speech.text,
            voice_id=speech.saved.id if speech.saved is not None else None,
            voice_name=speech.voice_name,
            seed=speech.settings.seed,
            settings=speech.record_settings(),
            model_info=speech.model_info,
            app_version=self._library.app_version if self._library is not None else __version__,
            sample_rate=result.sample_rate,
            duration=result.duration_s,
            path=Path(out),
            rel_path="",
            sha256="",
            title=title,
            normalized_text=speech.normalized_text,
        )
        return export_audio(Path(out), result.audio, result.sample_rate, record)

    def model_info(self) -> dict[str, Any]:
        """Which weights and device made a generation: written into history and every export."""
        e = self.engine
        if not self.model_revision:
            self.model_revision = model_revision(e)
        return {
            "fingerprint": weights_fingerprint(e),
            "revision": self.model_revision,
            "device": str(e.device_name),
            "sample_rate": int(e.sample_rate),
            "random_checkpoint": bool(e.is_random_checkpoint),
        }

    def _clip_used(self, record_settings: dict[str, Any]) -> str | None:
        """The saved voice's clip a history entry was made with, while it still exists (the
        voice's default may have changed since); None: use the default."""
        clip_id = record_settings.get("reference_clip_id")
        if not clip_id:
            return None
        try:
            self.library.get_voice_clip(str(clip_id))
        except NotFoundError:
            return None
        return str(clip_id)

    def regenerate(
        self,
        generation_id: str,
        *,
        seed: int | None = None,
        consent_acknowledged: bool = False,
        on_progress: ProgressCallback | None = None,
        on_chunk: ChunkCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Generation:
        """Make a history entry again: same voice, text, overrides and every setting (sample rate
        included); ``seed`` replaces the seed ("Again, new seed"). Stored as a new entry."""
        g = self.library.get_generation(generation_id)
        voice, text, settings, overrides = self.generation_inputs(generation_id)
        if seed is not None:
            settings = settings.with_seed(seed)
        earlier_ack = bool(g.settings.get("consent_acknowledged", False))
        clip_id = self._clip_used(g.settings) if isinstance(voice, str) else None
        return self.generate(
            voice,
            text,
            settings,
            overrides,
            title=g.title,
            consent_acknowledged=consent_acknowledged or earlier_ack,
            on_progress=on_progress,
            on_chunk=on_chunk,
            cancel=cancel,
            clip_id=clip_id,
        )
