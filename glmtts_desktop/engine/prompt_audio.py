"""Gatekeeping for reference audio before it reaches the models.

The official code takes anything; a desktop user deserves to hear why a recording cannot
clone a voice. Limits follow the model: it was trained on 3–10 s prompts, the speech tokenizer
handles 30 s pieces, and the LLM's prompt budget (750 speech tokens = 30 s) is shared with the
long-text cache.
"""

from __future__ import annotations

import logging

import numpy as np

from glmtts_desktop.engine.errors import ReferenceAudioError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

MIN_SECONDS = 2.0
MAX_SECONDS = 30.0
SILENCE_PEAK = 1e-3  # -60 dBFS


def check_prompt_audio(audio: np.ndarray, sr: int) -> np.ndarray:
    """Return usable mono audio (trimmed to 30 s) or raise ReferenceAudioError with the reason."""
    if sr <= 0:
        raise ReferenceAudioError(tr("The reference audio has an invalid sample rate ({sr}).", sr=sr))
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    if audio.size == 0:
        raise ReferenceAudioError(
            tr("The reference audio is empty."), hint=tr("Record or import a few seconds of speech.")
        )
    if not np.all(np.isfinite(audio)):
        raise ReferenceAudioError(
            tr("The reference audio contains invalid samples (NaN or infinity)."),
            hint=tr("Export it again from your audio editor."),
        )
    peak = float(np.max(np.abs(audio)))
    if peak < SILENCE_PEAK:
        raise ReferenceAudioError(
            tr("The reference audio is silent."),
            hint=tr("Check the microphone or choose a file in which someone speaks."),
        )
    seconds = audio.size / float(sr)
    if seconds < MIN_SECONDS:
        raise ReferenceAudioError(
            tr("The reference audio is too short ({seconds:.1f} s).", seconds=seconds),
            hint=tr(
                "Use at least {MIN_SECONDS:.0f} seconds of speech; 3–10 seconds works best.",
                MIN_SECONDS=MIN_SECONDS,
            ),
        )
    if seconds > MAX_SECONDS:
        log.warning(
            "The reference audio is %.1f s long; only the first %.0f s are used (3–10 s works best).",
            seconds,
            MAX_SECONDS,
        )
        audio = audio[: int(MAX_SECONDS * sr)]
    return audio
