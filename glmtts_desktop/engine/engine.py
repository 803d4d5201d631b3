"""The engine: loads an official GLM-TTS checkpoint once and turns (voice, text) into audio.

Every stage is also callable alone with numpy in and out (the public surface in
ARCHITECTURE.md), which is what tests, benchmarks and the parity scripts use. The pipeline in
``synthesize`` follows the official offline path: per text segment, reseed, LLM with the
long-text prompt cache, flow with the *original* prompt, vocoder, then plain concatenation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from glmtts_desktop.engine.checkpoint import CheckpointLayout, check_required_files, locate_checkpoint
from glmtts_desktop.engine.config import EngineConfig, resolve_device, resolve_dtype
from glmtts_desktop.engine.errors import EngineClosedError, ReferenceAudioError, TextInputError
from glmtts_desktop.engine.flow import FlowModel, flow_frames, load_flow
from glmtts_desktop.engine.frontend import (
    SpeakerEncoder,
    SpeechTokenizer,
    load_speech_tokenizer,
    prompt_mel,
    resample,
)
from glmtts_desktop.engine.llm import (
    PromptCache,
    SpeechLM,
    build_input_ids,
    generate_speech_tokens,
    load_llm,
)
from glmtts_desktop.engine.oom import translate_oom
from glmtts_desktop.engine.positional_noise import PositionalNoise
from glmtts_desktop.engine.prompt_audio import check_prompt_audio
from glmtts_desktop.engine.render_lane import ThreadLane
from glmtts_desktop.engine.streaming import (
    InlineLane,
    RenderLane,
    SegmentGeometry,
    SegmentStream,
    StreamSchedule,
)
from glmtts_desktop.engine.text import TextFrontend, TextTokenizer
from glmtts_desktop.engine.types import (
    SAMPLING_METHODS,
    CancelToken,
    ChunkCallback,
    Progress,
    ProgressCallback,
    SegmentResult,
    SynthesisRequest,
    SynthesisResult,
    TextSegment,
    VoicePrompt,
)
from glmtts_desktop.engine.vocoder import Vocoder, load_vocoder
from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import tr
from glmtts_desktop.mono import to_mono

log = logging.getLogger(__name__)

SPEECH_TOKENIZER_SR = 16000
# A KV cache up to this many positions (the warm-up's, and a typical segment's) stays allocated
# after a job, with the CUDA graphs captured on it; a larger one is freed (release_idle_memory).
KEEP_WARM_POSITIONS = 1024
# After a job, blocks the CUDA allocator keeps but nothing uses go back to the driver above this.
KEEP_CACHED_BYTES = 512 * 1024**2
# Share of one segment's progress given to each stage (the LLM dominates wall time).
_LLM_SHARE, _FLOW_SHARE = 0.75, 0.2


@dataclass
class _Models:
    """Every module holding weights: what ``Engine.close`` lets go of in one assignment."""

    llm: SpeechLM
    flow: FlowModel
    vocoder: Vocoder  # the one in use, also in ``vocoders``
    speech_tokenizer: SpeechTokenizer | None
    speaker_encoder: SpeakerEncoder | None
    vocoders: dict[int, Vocoder]  # by sample rate, each loaded once


class Engine:
    """A loaded GLM-TTS model. Not thread-safe: one job at a time (the GUI worker guarantees it)."""

    def __init__(
        self,
        config: EngineConfig,
        layout: CheckpointLayout,
        device: torch.device,
        dtype: torch.dtype,
        tokenizer: TextTokenizer,
        text: TextFrontend,
        llm: SpeechLM,
        flow: FlowModel,
        vocoder: Vocoder,
        speech_tokenizer: SpeechTokenizer | None,
        speaker_encoder: SpeakerEncoder | None,
    ) -> None:
        self.config = config
        self.layout = layout
        self.device = device
        self.dtype = dtype
        self.tokenizer = tokenizer
        self.text = text
        self._models: _Models | None = _Models(
            llm, flow, vocoder, speech_tokenizer, speaker_encoder, {vocoder.sample_rate: vocoder}
        )
        self.stream_schedule = StreamSchedule()  # chunking of synthesize(on_chunk=...)
        # Render streamed chunks on a worker thread with its own CUDA stream, overlapped with the
        # LLM? None: on CUDA only (on a CPU the cores are shared, so inline is no slower).
        self.stream_overlap: bool | None = None

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, config: EngineConfig, *, on_progress: ProgressCallback | None = None) -> Engine:
        """Load every part; raises CheckpointError naming the first missing or damaged file."""
        started = time.perf_counter()
        layout = locate_checkpoint(Path(config.model_dir))
        check_required_files(
            layout, sample_rate=config.sample_rate, prompt_frontend=config.load_prompt_frontend
        )
        device = resolve_device(config.device)
        dtype = resolve_dtype(config.dtype, device)
        if layout.generated_info is not None:
            log.warning(
                "%s holds RANDOM weights made by 'glmtts-desktop dev make-checkpoint': it will speak noise.",
                layout.root,
            )
        steps = ["tokenizer", "llm", "flow", "vocoder", "warm-up"]

        def report(i: int) -> None:
            if on_progress is not None:
                message = tr(
                    "Loading the voice model (part {part} of {total})…", part=i + 1, total=len(steps)
                )
                on_progress(Progress("load", i, len(steps), i / len(steps), message))

        with _translate_oom():
            report(0)
            tokenizer = TextTokenizer.from_dir(layout.tokenizer_dir)
            text = TextFrontend(tokenizer)
            report(1)
            llm = load_llm(layout.llm_dir, device=device, dtype=dtype)
            if config.dtype == "int8":
                from glmtts_desktop.engine.llm.quantize import quantize_int8

                quantize_int8(llm)
            llm.enable_cuda_graphs(device.type == "cuda")
            report(2)
            flow = load_flow(layout.flow_dir, device=device, dtype=dtype)
            report(3)
            vocoder = load_vocoder(layout.root, config.sample_rate, device=device, dtype=dtype)
            # The speech tokenizer and speaker model load on demand (prepare_voice): saved voices
            # never need them, and on a GPU they are freed again after each analysis.
            speech_tokenizer = speaker_encoder = None
        engine = cls(
            config,
            layout,
            device,
            dtype,
            tokenizer,
            text,
            llm,
            flow,
            vocoder,
            speech_tokenizer,
            speaker_encoder,
        )
        report(4)
        engine.warm_up()
        log.info(
            "engine ready on %s (%s) in %.1f s", engine.device_name, dtype, time.perf_counter() - started
        )
        if on_progress is not None:
            on_progress(Progress("load", len(steps), len(steps), 1.0, tr("Ready")))
        return engine

    def close(self) -> None:
        """Drop every model and give the GPU memory back (the GUI's 'unload model').

        The engine stays a valid object: anything that needs a model afterwards raises
        EngineClosedError instead of failing on a missing attribute.
        """
        self._models = None
        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    @property
    def is_closed(self) -> bool:
        return self._models is None

    def _loaded(self) -> _Models:
        if self._models is None:
            raise EngineClosedError(
                tr("The model was unloaded."), hint=tr("Load the model again, then try once more.")
            )
        return self._models

    @property
    def llm(self) -> SpeechLM:
        return self._loaded().llm

    @property
    def flow(self) -> FlowModel:
        return self._loaded().flow

    @property
    def vocoder(self) -> Vocoder:
        return self._loaded().vocoder

    @property
    def speech_tokenizer(self) -> SpeechTokenizer | None:
        return self._loaded().speech_tokenizer

    @property
    def speaker_encoder(self) -> SpeakerEncoder | None:
        return self._loaded().speaker_encoder

    # ------------------------------------------------------------------ facts
    @property
    def sample_rate(self) -> int:
        return self.vocoder.sample_rate

    @property
    def device_name(self) -> str:
        if self.device.type == "cuda":
            return f"{torch.cuda.get_device_name(self.device)} (CUDA)"
        return "CPU"

    @property
    def is_random_checkpoint(self) -> bool:
        return self.layout.generated_info is not None

    @property
    def model_fingerprint(self) -> str:
        """Identifies the weights a voice analysis depends on, for caches kept across restarts."""
        parts = [str(self.layout.root.resolve())]
        for path in (
            self.layout.speech_tokenizer_dir / "model.safetensors",
            self.layout.campplus_path,
            self.layout.tokenizer_dir / "tokenizer.model",
            self.layout.tokenizer_dir / "tokenizer_config.json",
        ):
            try:
                st = path.stat() if path is not None else None
            except OSError:
                st = None
            parts.append(f"{getattr(path, 'name', '-')}:{st.st_size}:{st.st_mtime_ns}" if st else "-")
        return "|".join(parts)

    @property
    def llm_vocab_size(self) -> int:
        return int(self.llm.config.vocab_size)

    def memory_in_use(self) -> int:
        """Bytes of GPU memory held by this process's tensors (0 on CPU)."""
        if self.device.type != "cuda":
            return 0
        return int(torch.cuda.memory_allocated(self.device))

    def available_sample_rates(self) -> tuple[int, ...]:
        return self.layout.available_sample_rates()

    def set_sample_rate(self, sample_rate: int) -> None:
        """Switch the output rate (loads the other vocoder once; voices must be re-prepared)."""
        models = self._loaded()
        if sample_rate not in models.vocoders:
            check_required_files(self.layout, sample_rate=sample_rate, prompt_frontend=False)
            with _translate_oom():
                models.vocoders[sample_rate] = load_vocoder(
                    self.layout.root, sample_rate, device=self.device, dtype=self.dtype
                )
        models.vocoder = models.vocoders[sample_rate]

    # ------------------------------------------------------------------ text stages
    def normalize(self, text: str) -> list[str]:
        """Text segments exactly as the model will read them (before G2P)."""
        return self.text.segments(text)

    def unspeakable_chars(self, text: str) -> list[str]:
        """Characters of ``text`` the normaliser drops (emoji, unknown symbols), to warn about."""
        return self.text.unmappable_chars(text, byte_fallback=False)

    def tokenize(self, text: str) -> list[int]:
        return self.tokenizer.encode(text)

    # ------------------------------------------------------------------ prompt stages
    def speech_tokens(self, audio: np.ndarray, sr: int) -> np.ndarray:
        """WhisperVQ ids at 25 Hz (raw codebook ids)."""
        speech_tokenizer, _ = self._prompt_frontend()
        audio16 = resample(_mono(audio), sr, SPEECH_TOKENIZER_SR)
        with _translate_oom():
            return np.asarray(speech_tokenizer.tokenize(audio16), dtype=np.int64)

    def speaker_embedding(self, audio: np.ndarray, sr: int) -> np.ndarray:
        _, speaker_encoder = self._prompt_frontend()
        audio16 = resample(_mono(audio), sr, SPEECH_TOKENIZER_SR)
        return np.asarray(speaker_encoder.embed(audio16), dtype=np.float32)

    def prompt_mel(self, audio: np.ndarray, sr: int) -> np.ndarray:
        """(frames, 80) log-mel at the engine's output framing (50 frames/s)."""
        audio_out = resample(_mono(audio), sr, self.sample_rate)
        return np.asarray(prompt_mel(audio_out, self.sample_rate), dtype=np.float32)

    def prepare_voice(self, audio: np.ndarray, sr: int, transcript: str) -> VoicePrompt:
        """Analyse a reference once; the result is cacheable (VoicePrompt.to_bytes).

        Loads the speech tokenizer and speaker model if needed; on a GPU they are freed again
        afterwards, so an engine that replays saved voices holds only the LLM, flow and vocoder."""
        audio = check_prompt_audio(_mono(audio), sr)
        if not transcript.strip():
            log.warning("No transcript for the reference audio: the voice will be copied less faithfully.")
            normalized, ids = "", list[int]()
        else:
            normalized, ids = self.text.prompt_ids(transcript)
        try:
            return VoicePrompt(
                transcript=transcript,
                normalized_transcript=normalized,
                prompt_text_ids=np.asarray(ids, dtype=np.int64),
                speech_ids=self.speech_tokens(audio, sr),
                mel=self.prompt_mel(audio, sr),
                embedding=self.speaker_embedding(audio, sr),
                sample_rate=self.sample_rate,
                duration_s=len(audio) / float(sr),
            )
        finally:
            if self.device.type == "cuda":
                self.release_prompt_frontend()  # GPU memory matters more than the reload time

    # ------------------------------------------------------------------ model stages
    def llm_logits(self, input_ids: Sequence[int]) -> np.ndarray:
        """Logits at the last position, (vocab,), fp32."""
        ids = torch.as_tensor(list(input_ids), dtype=torch.long, device=self.device)[None]
        with torch.inference_mode(), _translate_oom():
            logits = self.llm.prefill(ids)[0]  # last position only: no S x vocab logits
        return logits.float().cpu().numpy()

    def generate_tokens(
        self,
        prompt_text_ids: Sequence[int],
        text_ids: Sequence[int],
        prompt_speech_ids: Sequence[int],
        *,
        method: str = "ras",
        seed: int = 0,
        min_ratio: float = 2.0,
        max_ratio: float = 20.0,
        cancel: CancelToken | None = None,
        generator: torch.Generator | None = None,
        on_step=None,
    ) -> np.ndarray:
        """Speech token ids (raw codebook ids) for one text segment."""
        return np.asarray(
            self._generate(
                prompt_text_ids,
                text_ids,
                prompt_speech_ids,
                method=method,
                generator=generator if generator is not None else self._generator(seed),
                min_ratio=min_ratio,
                max_ratio=max_ratio,
                cancel=cancel,
                on_step=on_step,
            ).ids,
            dtype=np.int64,
        )

    def tokens_to_mel(
        self,
        tokens: Sequence[int] | np.ndarray,
        prompt_tokens: Sequence[int] | np.ndarray,
        prompt_mel: np.ndarray,
        embedding: np.ndarray,
        *,
        steps: int = 10,
        noise: np.ndarray | None = None,
        seed: int = 0,
        generator: torch.Generator | None = None,
        on_step=None,
    ) -> np.ndarray:
        """(80, frames) mel for the generated tokens; ``noise`` (1|None, T, 80) is the flow's x0.

        ``on_step(step, steps)`` runs after each Euler step (progress; raise to cancel)."""
        dev = self.device
        noise_t = None
        if noise is not None:
            noise_t = torch.as_tensor(np.asarray(noise, dtype=np.float32), device=dev)
            if noise_t.dim() == 2:
                noise_t = noise_t[None]
        with torch.inference_mode(), _translate_oom():
            mel = self.flow.synthesize(
                torch.as_tensor(np.asarray(prompt_tokens, dtype=np.int64), device=dev)[None],
                torch.as_tensor(np.asarray(tokens, dtype=np.int64), device=dev)[None],
                torch.as_tensor(np.asarray(prompt_mel, dtype=np.float32), device=dev)[None],
                torch.as_tensor(np.asarray(embedding, dtype=np.float32), device=dev).reshape(1, -1),
                steps=steps,
                noise=noise_t,
                generator=generator if generator is not None else self._generator(seed),
                on_step=on_step,
            )
        return mel[0].float().cpu().numpy()

    def vocode(
        self, mel: np.ndarray, *, seed: int = 0, generator: torch.Generator | None = None
    ) -> np.ndarray:
        """float32 waveform at ``sample_rate`` from an (80, frames) mel."""
        mel_t = torch.as_tensor(np.asarray(mel, dtype=np.float32), device=self.device)
        if mel_t.dim() == 2:
            mel_t = mel_t[None]
        with torch.inference_mode(), _translate_oom():
            wav = self.vocoder(mel_t, generator=generator if generator is not None else self._generator(seed))
        return wav.reshape(-1).float().cpu().numpy()

    # ------------------------------------------------------------------ the whole pipeline
    def synthesize(
        self,
        request: SynthesisRequest,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_chunk: ChunkCallback | None = None,
    ) -> SynthesisResult:
        """Speak ``request.text`` in ``request.voice``; segment by segment like the official CLI.

        Without ``on_chunk`` this is the official offline path (flow noise drawn after the LLM
        from the segment's generator). With ``on_chunk`` each segment is streamed while its
        tokens are generated (``streaming``): ``on_chunk(audio, n)`` gets consecutive pieces
        (n = 0, 1, ... over the whole request) whose concatenation is the returned audio; the
        flow and vocoder noise are then drawn by position from ``request.seed`` (each chunk
        renders a window, engine/streaming.py), so the result is repeatable but not
        sample-identical to the offline path. On CUDA the windows render on a second CUDA
        stream while the LLM goes on (``stream_overlap``).
        ``timings["first_audio"]`` is the time from the call to the first piece."""
        voice = request.voice
        if request.method not in SAMPLING_METHODS:
            raise InvalidInputError(
                tr("Unknown sampling method '{method}'.", method=request.method),
                hint=tr("Use ras, topk or greedy."),
            )
        if voice.sample_rate != self.sample_rate:
            raise InvalidInputError(
                tr(
                    "This voice was prepared for {sample_rate} Hz but the engine speaks at {sample_rate2} Hz.",
                    sample_rate=voice.sample_rate,
                    sample_rate2=self.sample_rate,
                ),
                hint=tr("Prepare the voice again at the current sample rate."),
            )
        if len(voice.speech_ids) == 0:
            raise ReferenceAudioError(
                tr("The reference voice has no speech tokens."), hint=tr("Record or import it again.")
            )
        timings = {"text": 0.0, "llm": 0.0, "flow": 0.0, "vocoder": 0.0}
        t0 = time.perf_counter()
        segments = self.text.prepare(
            request.text, use_phoneme=request.use_phoneme, overrides=request.overrides
        )
        timings["text"] = time.perf_counter() - t0
        total = len(segments)
        cache = PromptCache(
            list(voice.prompt_text_ids), list(voice.speech_ids), use_cache=request.use_prompt_cache
        )
        pieces: list[np.ndarray] = []
        results: list[SegmentResult] = []
        report = _Reporter(on_progress, total)
        deliver = None
        if on_chunk is not None:
            chunk_count = [0]

            def deliver(piece: np.ndarray) -> None:
                if chunk_count[0] == 0:
                    timings["first_audio"] = time.perf_counter() - t0
                on_chunk(piece, chunk_count[0])
                chunk_count[0] += 1

        for index, segment in enumerate(segments):
            if cancel is not None:
                cancel.raise_if_cancelled()
            if not segment.token_ids:
                continue
            wav, seg_result = self._speak_segment(
                index, segment, voice, cache, request, cancel, report, timings, deliver
            )
            pieces.append(wav)
            results.append(seg_result)
            report("vocoder", index, 1.0, tr("Part {number} of {total} done", number=index + 1, total=total))
        if not pieces:
            raise TextInputError(
                tr("Nothing in the text could be spoken."), hint=tr("Type some words to speak.")
            )
        audio = np.concatenate(pieces).astype(np.float32, copy=False)
        if on_progress is not None:
            on_progress(Progress("done", total - 1, total, 1.0, tr("Done")))
        return SynthesisResult(audio, self.sample_rate, request.seed, tuple(results), timings)

    # ------------------------------------------------------------------ internals
    def _speak_segment(
        self,
        index: int,
        segment: TextSegment,
        voice: VoicePrompt,
        cache: PromptCache,
        request: SynthesisRequest,
        cancel: CancelToken | None,
        report: _Reporter,
        timings: dict[str, float],
        deliver: Callable[[np.ndarray], None] | None = None,
    ) -> tuple[np.ndarray, SegmentResult]:
        """One segment: reseed, LLM with the cached prompt, flow with the original prompt, vocoder.

        With ``deliver`` the segment is streamed (see ``synthesize``)."""
        label = tr("Part {number} of {total}", number=index + 1, total=report.total)
        generator = self._generator(request.seed)  # official: reseed before every segment
        prompt_text_ids, prompt_speech_ids = cache.select(list(segment.token_ids))
        expected = max(1, len(segment.token_ids) * 8)  # typical tokens per text token, for the bar only

        def on_llm_step(step: int, _max_len: int) -> None:
            report("llm", index, _LLM_SHARE * min(1.0, step / expected), label)

        def on_flow_step(step: int, steps: int) -> None:
            if cancel is not None:
                cancel.raise_if_cancelled()
            report("flow", index, _LLM_SHARE + _FLOW_SHARE * step / steps, label)

        if deliver is not None:
            stream = self._segment_stream(voice, request, deliver, timings, cancel)
            try:
                report("llm", index, 0.0, label)
                out = self._generate_streamed(
                    index,
                    stream,
                    prompt_text_ids,
                    segment,
                    prompt_speech_ids,
                    request,
                    generator,
                    cancel,
                    on_llm_step,
                    timings,
                )
                cache.append(list(segment.token_ids), list(out.ids))
                if cancel is not None:
                    cancel.raise_if_cancelled()
                report("flow", index, _LLM_SHARE, label)
                wav = stream.finish(list(out.ids))
            finally:
                stream.close()
            return wav, self._segment_result(index, segment, out, wav)
        report("llm", index, 0.0, label)
        t = time.perf_counter()
        out = self._generate(
            prompt_text_ids,
            segment.token_ids,
            prompt_speech_ids,
            method=request.method,
            generator=generator,
            cancel=cancel,
            on_step=on_llm_step,
        )
        timings["llm"] += time.perf_counter() - t
        self._warn_cut(index, out)
        cache.append(list(segment.token_ids), list(out.ids))
        if cancel is not None:
            cancel.raise_if_cancelled()
        report("flow", index, _LLM_SHARE, label)
        t = time.perf_counter()
        mel = self.tokens_to_mel(
            out.ids,
            voice.speech_ids,
            voice.mel,
            voice.embedding,
            steps=request.flow_steps,
            generator=generator,
            on_step=on_flow_step,
        )
        timings["flow"] += time.perf_counter() - t
        if cancel is not None:
            cancel.raise_if_cancelled()
        report("vocoder", index, _LLM_SHARE + _FLOW_SHARE, label)
        t = time.perf_counter()
        wav = self.vocode(mel, generator=generator)
        timings["vocoder"] += time.perf_counter() - t
        return wav, self._segment_result(index, segment, out, wav)

    @staticmethod
    def _segment_result(index: int, segment: TextSegment, out, wav: np.ndarray) -> SegmentResult:
        return SegmentResult(
            index=index,
            normalized=segment.normalized,
            model_text=segment.model_text,
            n_text_tokens=len(segment.token_ids),
            n_speech_tokens=len(out.ids),
            n_samples=len(wav),
            hit_max_length=out.hit_max_length,
        )

    def _generate_streamed(
        self,
        index: int,
        stream: SegmentStream,
        prompt_text_ids: list[int],
        segment: TextSegment,
        prompt_speech_ids: list[int],
        request: SynthesisRequest,
        generator: torch.Generator,
        cancel: CancelToken | None,
        on_step: Callable[[int, int], None],
        timings: dict[str, float],
    ):
        """The LLM loop with the stream fed after every token; the time the loop spent inside
        the stream (inline rendering) is flow/vocoder time, not LLM time."""
        inside = [0.0]

        def on_tokens(tokens: list[int]) -> None:
            t_in = time.perf_counter()
            stream.on_tokens(tokens)
            inside[0] += time.perf_counter() - t_in

        t = time.perf_counter()
        out = self._generate(
            prompt_text_ids,
            segment.token_ids,
            prompt_speech_ids,
            method=request.method,
            generator=generator,
            cancel=cancel,
            on_step=on_step,
            on_tokens=on_tokens,
        )
        timings["llm"] += time.perf_counter() - t - inside[0]
        self._warn_cut(index, out)
        return out

    @staticmethod
    def _warn_cut(index: int, out) -> None:
        if out.hit_max_length:
            log.warning(
                "Segment %d never produced the stop token; it was cut at %d tokens.", index + 1, len(out.ids)
            )

    def _render_lane(self) -> RenderLane:
        overlap = self.stream_overlap if self.stream_overlap is not None else self.device.type == "cuda"
        if not overlap:
            return InlineLane()
        cuda_stream = torch.cuda.Stream(device=self.device) if self.device.type == "cuda" else None
        return ThreadLane(cuda_stream, self.device)

    def _segment_stream(
        self,
        voice: VoicePrompt,
        request: SynthesisRequest,
        deliver: Callable[[np.ndarray], None],
        timings: dict[str, float],
        cancel: CancelToken | None,
    ) -> SegmentStream:
        """A SegmentStream whose flow windows and vocoder windows draw their noise by position."""
        cfg = self.flow.cfg
        prompt = np.asarray(voice.speech_ids, dtype=np.int64)
        prompt_mel = np.asarray(voice.mel, dtype=np.float32)
        tp = prompt_mel.shape[0]
        per_token = round(cfg.mel_framerate / cfg.input_frame_rate)
        flow_noise = PositionalNoise(request.seed, cfg.mel_dim, salt=1)
        windows = self.vocoder.open_stream(request.seed)

        def out_frames(n_tokens: int, final: bool) -> int:
            n = len(prompt) + n_tokens
            total = flow_frames(n, cfg.input_frame_rate, cfg.mel_framerate) if final else per_token * n
            return max(0, total - tp)

        def check(_step: int, _steps: int) -> None:
            if cancel is not None:
                cancel.raise_if_cancelled()

        def render_mel(tokens: list[int], start: int, end: int) -> np.ndarray:
            """Output frames [start, end) from the prompt's frames + that stretch of the speech."""
            t = time.perf_counter()
            ids = np.concatenate((prompt, np.asarray(tokens, dtype=np.int64)))
            positions = np.concatenate((np.arange(tp), np.arange(tp + start, tp + end)))
            frame_ids = ids[np.minimum(positions // per_token, len(ids) - 1)]
            cond = np.zeros((len(positions), cfg.mel_dim), np.float32)
            cond[:tp] = prompt_mel
            with torch.inference_mode(), _translate_oom():
                x = self.flow.synthesize_frames(
                    torch.from_numpy(frame_ids)[None],
                    torch.from_numpy(positions),
                    torch.from_numpy(cond)[None],
                    torch.as_tensor(np.asarray(voice.embedding, dtype=np.float32)),
                    flow_noise.rows(positions)[None],
                    steps=request.flow_steps,
                    on_step=check,
                )
                mel = x[0, tp:].float().cpu().numpy()
            timings["flow"] += time.perf_counter() - t
            return mel

        def vocode(mel: np.ndarray, start_frame: int) -> np.ndarray:
            t = time.perf_counter()
            mel_t = torch.as_tensor(np.ascontiguousarray(mel.T), device=self.device)[None]
            with torch.inference_mode(), _translate_oom():
                wav = windows(mel_t, start_frame).reshape(-1).float().cpu().numpy()
            timings["vocoder"] += time.perf_counter() - t
            return wav

        geometry = SegmentGeometry(
            out_frames=out_frames,
            frames_per_token=per_token,
            mel_rate=cfg.mel_framerate,
            hop=self.vocoder.hop_length,
            sample_rate=self.sample_rate,
        )
        return SegmentStream(
            render_mel,
            _NumpyWindows(vocode, windows.context_frames, windows.holdback_frames),
            deliver,
            geometry,
            schedule=self.stream_schedule,
            lane=self._render_lane(),
        )

    def _generate(
        self,
        prompt_text_ids,
        text_ids,
        prompt_speech_ids,
        *,
        method,
        generator,
        min_ratio: float = 2.0,
        max_ratio: float = 20.0,
        cancel=None,
        on_step=None,
        on_tokens=None,
    ):
        special = self.tokenizer.special
        input_ids = build_input_ids(list(prompt_text_ids), list(text_ids), list(prompt_speech_ids), special)
        with torch.inference_mode(), _translate_oom():
            return generate_speech_tokens(
                self.llm,
                input_ids,
                text_len=len(text_ids),
                special=special,
                method=method,
                generator=generator,
                min_ratio=min_ratio,
                max_ratio=max_ratio,
                cancel=cancel,
                on_step=on_step,
                on_tokens=on_tokens,
            )

    def _generator(self, seed: int) -> torch.Generator:
        return torch.Generator(device=self.device).manual_seed(int(seed))

    def _prompt_frontend(self) -> tuple[SpeechTokenizer, SpeakerEncoder]:
        """The speech tokenizer and speaker model, loaded now if they are not resident."""
        models = self._loaded()
        if models.speech_tokenizer is not None and models.speaker_encoder is not None:
            return models.speech_tokenizer, models.speaker_encoder
        if not self.config.load_prompt_frontend:
            raise InvalidInputError(
                tr("This engine was loaded without the speech tokenizer and speaker model."),
                hint=tr("Reload with the prompt frontend to analyse new reference audio."),
            )
        t = time.perf_counter()
        with _translate_oom():
            if models.speech_tokenizer is None:
                # fp32 on purpose: the codebook argmin decides token identity.
                models.speech_tokenizer = load_speech_tokenizer(
                    self.layout.speech_tokenizer_dir, device=self.device, dtype=torch.float32
                )
            if models.speaker_encoder is None:
                assert self.layout.campplus_path is not None  # check_required_files made sure
                models.speaker_encoder = SpeakerEncoder(
                    self.layout.campplus_path, prefer_cuda=self.device.type == "cuda"
                )
        log.info("speech tokenizer and speaker model loaded in %.1f s", time.perf_counter() - t)
        return models.speech_tokenizer, models.speaker_encoder

    def release_prompt_frontend(self) -> None:
        """Free the speech tokenizer and speaker model (1.5 GB on a GPU); reloaded when needed."""
        models = self._loaded()
        models.speech_tokenizer = None
        models.speaker_encoder = None
        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    def release_idle_memory(self, *, deep: bool = False) -> None:
        """Give back memory the next job can rebuild; the studio calls this after every job, the
        GUI with ``deep=True`` once the app has been idle for a while.

        After a job: the LLM's KV cache is freed if a long segment grew it beyond
        ``KEEP_WARM_POSITIONS`` (with the CUDA graphs bound to it), so a short next job still
        starts warm. ``deep``: the KV cache and its graphs are freed whatever their size, and the
        speech tokenizer and speaker model too (reloaded when a new voice is analysed). On a GPU
        the freed blocks then go back to the driver, so other programs can use them (after a
        light release only when something was freed or more than ``KEEP_CACHED_BYTES`` sit idle
        in the allocator: giving blocks back costs the next job new allocations)."""
        models = self._models
        if models is None:
            return
        llm = models.llm
        freed = deep
        if deep or llm.allocated_positions > KEEP_WARM_POSITIONS:
            log.debug("releasing the KV cache (%d positions)", llm.allocated_positions)
            llm.release_cache()
            freed = True
        if deep:
            models.speech_tokenizer = None
            models.speaker_encoder = None
        if self.device.type == "cuda":
            # Handing blocks back costs the next job fresh allocations: only when it is worth it.
            idle_blocks = torch.cuda.memory_reserved(self.device) - torch.cuda.memory_allocated(self.device)
            if freed or idle_blocks > KEEP_CACHED_BYTES:
                torch.cuda.empty_cache()

    def warm_up(self) -> None:
        """First calls are slow (text normaliser tables, kernel selection, CUDA-graph capture):
        pay them at load rather than on the user's first Generate. On the CPU only the text
        frontend is warmed (the models' first calls cost little there)."""
        t = time.perf_counter()
        self.text.prepare("你好，world 1.")
        if self.device.type == "cuda":
            special = self.tokenizer.special
            # a prompt of typical length in a cache of typical size: the graph of the span most
            # segments start in is captured now, longer spans on first use
            ids = build_input_ids([1, 2, 3], [4, 5, 6], list(range(200)), special)
            with torch.inference_mode(), _translate_oom():
                self.llm.reset_cache(1000)
                self.llm.prefill(torch.tensor([ids], device=self.device))
                for _ in range(4):
                    self.llm.decode_step(torch.tensor([[special.ats]], device=self.device))
            mel = self.tokens_to_mel(
                [1, 2, 3, 4], [5, 6, 7, 8], np.zeros((8, 80), np.float32), np.ones(192, np.float32)
            )
            self.vocode(mel)
            torch.cuda.synchronize(self.device)
        log.info("warm-up took %.1f s", time.perf_counter() - t)


class _NumpyWindows:
    """A vocoder stream seen through numpy (mel rows in, samples out), as SegmentStream takes it."""

    def __init__(self, vocode: Callable[[np.ndarray, int], np.ndarray], context: int, holdback: int) -> None:
        self._vocode = vocode
        self.context_frames = context
        self.holdback_frames = holdback

    def __call__(self, mel: np.ndarray, start_frame: int) -> np.ndarray:
        return self._vocode(mel, start_frame)


class _Reporter:
    """Turns (stage, segment, share of that segment) into overall Progress reports."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self.callback = callback
        self.total = total

    def __call__(self, stage: str, index: int, within: float, message: str = "") -> None:
        if self.callback is not None:
            fraction = min(1.0, (index + within) / self.total)
            self.callback(Progress(stage, index, self.total, fraction, message))


def _mono(audio: np.ndarray) -> np.ndarray:
    """The engine takes mono: channels-last audio is averaged (glmtts_desktop.mono)."""
    return to_mono(audio, error=ReferenceAudioError)


# A CUDA or RAM allocation failure becomes a typed error (engine/oom.py).
_translate_oom = translate_oom
