"""Voice analysis results kept by content: a few in memory, every one on disk.

Analysing a reference (speech tokens, speaker embedding, prompt mel) takes seconds on a GPU and
much longer on a CPU, and people reuse the same few voices for months. The key covers everything
the result depends on — the audio, its rate, the transcript, the output rate and the analysis
weights — so a hit is always the answer the engine would compute again. Runs in the inference
thread only; disk problems are logged and never fail a generation.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from pathlib import Path

import numpy as np

from glmtts_desktop import fsutil
from glmtts_desktop.engine.types import VoicePrompt

log = logging.getLogger(__name__)

MEMORY_SIZE = 8


def voice_key(audio: np.ndarray, sr: int, transcript: str, sample_rate: int, model_fingerprint: str) -> str:
    h = hashlib.sha256(np.ascontiguousarray(audio, dtype=np.float32).tobytes())
    h.update(f"|{sr}|{transcript}|{sample_rate}|{model_fingerprint}".encode())
    return h.hexdigest()


class VoicePromptCache:
    def __init__(self, folder: Path | None = None, memory_size: int = MEMORY_SIZE) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.memory_size = memory_size
        self._memory: OrderedDict[str, VoicePrompt] = OrderedDict()

    def _path(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{key}.npz"

    def get(self, key: str) -> VoicePrompt | None:
        voice = self._memory.get(key)
        if voice is not None:
            self._memory.move_to_end(key)
            return voice
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            voice = VoicePrompt.from_bytes(path.read_bytes())
        except Exception as exc:  # noqa: BLE001 - a damaged cache entry is just a miss
            log.warning("dropping unreadable voice cache entry %s: %s", path.name, exc)
            fsutil.remove_quietly(path)
            return None
        self._remember(key, voice)
        return voice

    def put(self, key: str, voice: VoicePrompt) -> None:
        self._remember(key, voice)
        path = self._path(key)
        if path is None:
            return
        try:
            fsutil.atomic_write_bytes(path, voice.to_bytes())
        except OSError as exc:
            log.warning("could not keep the voice analysis on disk (%s); it stays in memory", exc)

    def clear_memory(self) -> None:
        self._memory.clear()

    def _remember(self, key: str, voice: VoicePrompt) -> None:
        self._memory[key] = voice
        self._memory.move_to_end(key)
        while len(self._memory) > self.memory_size:
            self._memory.popitem(last=False)
