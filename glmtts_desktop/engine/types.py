"""Value types crossing the engine boundary.

They hold numpy arrays and plain Python values, never tensors, so the GUI, the library
and the CLI can keep, copy and serialise them without importing torch.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from glmtts_desktop.engine.errors import SynthesisCancelled
from glmtts_desktop.engine.seeds import check_seed

SAMPLE_RATES = (24000, 32000)
SAMPLING_METHODS = ("ras", "topk", "greedy")


@dataclass(frozen=True)
class SpecialIds:
    """Ids of the tokens the LLM loop needs, looked up by their strings (never hard-coded).

    The tokenizer finds them, the LLM input builder and the generation loop use them.
    """

    ats: int  # <|audio_0|>, first speech token
    ate: int  # last audio token (<|audio_32767|> in the official layout)
    boa: int  # <|begin_of_audio|>
    eoa: int  # <|user|>, the stop token
    pad: int  # <|endoftext|>

    @property
    def n_audio_tokens(self) -> int:
        return self.ate - self.ats + 1


@dataclass(frozen=True)
class PronunciationOverride:
    """A reading the user chose for a piece of the text.

    ``text`` is the surface string (e.g. ``"行"``), ``replacement`` what the model reads
    instead, usually phoneme tokens such as ``"<|X|><|ING2|>"``. ``occurrences`` lists the
    character offsets in the raw text where it applies; ``None`` means every occurrence.
    Applying an override only where it was chosen is why offsets are kept.
    """

    text: str
    replacement: str
    occurrences: tuple[int, ...] | None = None


@dataclass(frozen=True)
class TextSegment:
    """One piece of the text as the model reads it."""

    normalized: str  # after normalisation, before G2P/overrides
    model_text: str  # what goes to the tokenizer (phonemes/overrides applied)
    token_ids: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class VoicePrompt:
    """Everything a voice needs for synthesis; cache it to skip the prompt analysis.

    ``speech_ids`` are raw codebook ids (0..codebook-1), ``mel`` is (frames, 80) at the
    framing of ``sample_rate``, ``embedding`` the raw (not normalised) 192-d CAM++ vector.
    """

    transcript: str
    normalized_transcript: str
    prompt_text_ids: np.ndarray
    speech_ids: np.ndarray
    mel: np.ndarray
    embedding: np.ndarray
    sample_rate: int
    duration_s: float

    def to_bytes(self) -> bytes:
        """Serialise to an ``.npz`` payload (no pickle), for the voice library."""
        buf = io.BytesIO()
        meta = {
            "transcript": self.transcript,
            "normalized_transcript": self.normalized_transcript,
            "sample_rate": self.sample_rate,
            "duration_s": self.duration_s,
            "format": 1,
        }
        np.savez(
            buf,
            meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
            prompt_text_ids=np.asarray(self.prompt_text_ids, dtype=np.int64),
            speech_ids=np.asarray(self.speech_ids, dtype=np.int64),
            mel=np.asarray(self.mel, dtype=np.float32),
            embedding=np.asarray(self.embedding, dtype=np.float32),
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> VoicePrompt:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode("utf-8"))
            return cls(
                transcript=meta["transcript"],
                normalized_transcript=meta["normalized_transcript"],
                prompt_text_ids=z["prompt_text_ids"].copy(),
                speech_ids=z["speech_ids"].copy(),
                mel=z["mel"].copy(),
                embedding=z["embedding"].copy(),
                sample_rate=int(meta["sample_rate"]),
                duration_s=float(meta["duration_s"]),
            )


@dataclass(frozen=True)
class SynthesisRequest:
    """What to say, in which voice, and how."""

    text: str
    voice: VoicePrompt
    seed: int = 0
    method: str = "ras"
    use_phoneme: bool = False
    overrides: tuple[PronunciationOverride, ...] = ()
    use_prompt_cache: bool = True
    flow_steps: int = 10

    def __post_init__(self) -> None:
        check_seed(self.seed)  # torch takes a signed 64-bit seed; refuse early, in words


@dataclass(frozen=True)
class SegmentResult:
    index: int
    normalized: str
    model_text: str
    n_text_tokens: int
    n_speech_tokens: int
    n_samples: int
    hit_max_length: bool  # the LLM never emitted the stop token


@dataclass(frozen=True, eq=False)
class SynthesisResult:
    audio: np.ndarray  # float32 mono in [-1, 1]
    sample_rate: int
    seed: int
    segments: tuple[SegmentResult, ...]
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage

    @property
    def duration_s(self) -> float:
        return len(self.audio) / float(self.sample_rate)


@dataclass(frozen=True)
class Progress:
    """A progress report. ``fraction`` is overall progress in [0, 1]."""

    stage: str  # "prompt", "text", "llm", "flow", "vocoder", "done"
    segment: int  # 0-based index of the current segment
    total_segments: int
    fraction: float
    message: str = ""


ProgressCallback = Callable[[Progress], None]
ChunkCallback = Callable[[np.ndarray, int], None]  # (next piece of the stream, running piece number)


class CancelToken:
    """Thread-safe cancel flag, set from any thread (the GUI), checked by the engine."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise SynthesisCancelled()
