"""Gatekeeping for reference audio before it reaches the models.

The official code takes anything; a desktop user deserves to hear why a recording cannot
clone a voice. Limits follow the model: it was trained on 3–10 s prompts, the speech tokenizer
handles 30 s pieces, and the LLM's prompt budget (750 speech tokens = 30 s) is shared with the
long-text cache.

Beyond emptiness and plain silence, three inputs used to pass and fail later or clone nothing:
samples far outside [-1, 1] (a float file holding 1e30 made the *output* unsavable), a silent
recording with one click (its peak looks like sound), and a constant DC offset (a peak, but no
sound at all). Durations are shown rounded down, so a clip just under the limit never reads as
"too short (2.0 s)".
"""

from __future__ import annotations

import logging
import math

import numpy as np

from glmtts_desktop.engine.errors import ReferenceAudioError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

MIN_SECONDS = 2.0
MAX_SECONDS = 30.0
SILENCE_PEAK = 1e-3  # -60 dBFS
# Float files may overshoot 1.0 a little; anything past +18 dBFS is not a recording level.
MAX_PEAK = 8.0
# Sound (after removing DC) must be above -50 dBFS RMS in 20 ms frames for at least this long:
# a click or a few crackles are shorter, a spoken word is longer.
ACTIVE_FRAME_S = 0.02
ACTIVE_DBFS = -50.0
MIN_ACTIVE_S = 0.3


def format_seconds(seconds: float) -> str:
    """Seconds rounded *down* to 0.01 s ("1.99 s", never "2.0 s" for a clip under 2 s); long
    durations also as minutes ("2400.00 s (40:00)")."""
    shown = math.floor(seconds * 100) / 100
    text = f"{shown:.2f} s"
    if seconds >= 60:
        minutes, secs = divmod(int(seconds), 60)
        text += f" ({minutes}:{secs:02d})"
    return text


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
    if peak > MAX_PEAK:
        raise ReferenceAudioError(
            tr("The reference audio has samples far outside the normal range (peak {peak:.3g}).", peak=peak),
            hint=tr("Export it again from your audio editor as ordinary WAV or FLAC."),
        )
    if peak < SILENCE_PEAK:
        raise ReferenceAudioError(
            tr("The reference audio is silent."),
            hint=tr("Check the microphone or choose a file in which someone speaks."),
        )
    _check_has_sound(audio, sr)
    seconds = audio.size / float(sr)
    if seconds < MIN_SECONDS:
        raise ReferenceAudioError(
            tr("The reference audio is too short ({duration}).", duration=format_seconds(seconds)),
            hint=tr(
                "Use at least {min} seconds of speech; 3–10 seconds works best.", min=f"{MIN_SECONDS:.0f}"
            ),
        )
    if seconds > MAX_SECONDS:
        log.warning(
            "The reference audio is %s long; only the first %.0f s are used (3–10 s works best).",
            format_seconds(seconds),
            MAX_SECONDS,
        )
        audio = audio[: int(MAX_SECONDS * sr)]
    return audio


def _check_has_sound(audio: np.ndarray, sr: int) -> None:
    """Refuse a pure DC offset and near-silence whose only sound is a click or two."""
    centred = audio - np.float32(audio.mean(dtype=np.float64))
    if float(np.max(np.abs(centred))) < SILENCE_PEAK:
        raise ReferenceAudioError(
            tr("The reference audio holds only a constant offset (DC), no sound."),
            hint=tr("Check the microphone or its cable, or choose a file in which someone speaks."),
        )
    frame = max(1, int(round(ACTIVE_FRAME_S * sr)))
    n = centred.size // frame
    if n == 0:
        return  # shorter than one frame: the duration check below says so
    frames = centred[: n * frame].reshape(n, frame).astype(np.float64)
    rms_db = 10.0 * np.log10(np.maximum(np.mean(frames * frames, axis=1), 1e-20))
    active_s = float(np.count_nonzero(rms_db >= ACTIVE_DBFS)) * frame / sr
    if active_s < min(MIN_ACTIVE_S, 0.5 * n * frame / sr):
        raise ReferenceAudioError(
            tr(
                "The reference audio is almost silent: only {active} of sound (a click or noise).",
                active=format_seconds(active_s),
            ),
            hint=tr("Record again closer to the microphone, or choose a file in which someone speaks."),
        )
