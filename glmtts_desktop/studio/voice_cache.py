"""The one voice-analysis cache: a few prompts in memory, every one in the library.

Analysing a reference (speech tokens, speaker embedding, prompt mel) takes seconds on a GPU
and far longer on a CPU, and people reuse the same few voices for years. The key covers
everything the analysis depends on (the audio, its rate, the transcript, the output rate and
the weights fingerprint), so a hit is always what the engine would compute again. A damaged
or unwritable entry is a miss, never a failed generation.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict

import numpy as np

from glmtts_desktop.engine.types import VoicePrompt
from glmtts_desktop.errors import GlmTtsError
from glmtts_desktop.library import Library
from glmtts_desktop.studio.engine_api import SpeechEngine

log = logging.getLogger(__name__)

MEMORY_SIZE = 8


def analysis_key(audio: np.ndarray, sr: int, transcript: str, sample_rate: int, fingerprint: str) -> str:
    h = hashlib.sha256(np.ascontiguousarray(audio, dtype=np.float32).tobytes())
    h.update(f"|{int(sr)}|{transcript}|{int(sample_rate)}|{fingerprint}".encode())
    return h.hexdigest()


class VoiceCache:
    def __init__(self, library: Library | None, memory_size: int = MEMORY_SIZE) -> None:
        self.library = library
        self.memory_size = memory_size
        self._memory: OrderedDict[str, VoicePrompt] = OrderedDict()
        self._lock = threading.Lock()
        self.analysed = 0  # how many times the engine really analysed a clip (for tests and logs)

    def prompt(self, engine: SpeechEngine, audio: np.ndarray, sr: int, transcript: str) -> VoicePrompt:
        """The analysis of this clip for this engine, from the cache or computed once."""
        audio = np.ascontiguousarray(audio, dtype=np.float32)
        key = analysis_key(audio, sr, transcript, engine.sample_rate, engine.model_fingerprint)
        cached = self._get(key)
        if cached is not None:
            return cached
        prompt = engine.prepare_voice(audio, int(sr), transcript)
        self.analysed += 1
        self._put(key, prompt)
        return prompt

    def clear_memory(self) -> None:
        with self._lock:
            self._memory.clear()

    def _get(self, key: str) -> VoicePrompt | None:
        with self._lock:
            hit = self._memory.get(key)
            if hit is not None:
                self._memory.move_to_end(key)
                return hit
        if self.library is None:
            return None
        try:
            data = self.library.get_prompt_cache(key)
            if data is None:
                return None
            prompt = VoicePrompt.from_bytes(data)
        except Exception as exc:  # noqa: BLE001 - a damaged entry is just a miss
            log.warning("dropping unreadable voice analysis %s: %s", key[:12], exc)
            try:
                self.library.drop_prompt_cache(key)
            except GlmTtsError:
                pass
            return None
        self._remember(key, prompt)
        return prompt

    def _put(self, key: str, prompt: VoicePrompt) -> None:
        self._remember(key, prompt)
        if self.library is None:
            return
        try:
            self.library.put_prompt_cache(key, prompt.to_bytes())
        except GlmTtsError as exc:
            log.warning("could not keep the voice analysis in the library (%s); it stays in memory", exc)

    def _remember(self, key: str, prompt: VoicePrompt) -> None:
        with self._lock:
            self._memory[key] = prompt
            self._memory.move_to_end(key)
            while len(self._memory) > self.memory_size:
                self._memory.popitem(last=False)
