"""Is this recording a good voice reference? Levels, noise, speech length, and a best 3-10 s cut.

GLM-TTS clones from a short prompt: it prefers 3-10 s of clean speech whose transcript is
known. People bring voicemails, old videos and phone recordings, so the checks here turn
measurements into plain sentences ("too quiet", "noisy") and ``auto_trim`` picks the best
continuous stretch of speech instead of the first 10 s.

Everything works on 10 ms hops of frame energy (30 ms frames), computed in chunks so a
long file costs little memory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from glmtts_desktop.audio.io import to_mono
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

HOP_S = 0.010
FRAME_HOPS = 3  # 30 ms frames
FLOOR_DB = -100.0
GAP_FILL_S = 0.30  # pauses shorter than this count as part of the speech
SWEET_MIN_S, SWEET_MAX_S, HARD_MAX_S = 3.0, 10.0, 30.0


def _db(power: np.ndarray | float) -> np.ndarray | float:
    return np.maximum(10.0 * np.log10(np.maximum(power, 1e-12)), FLOOR_DB)


def _hop(sr: int) -> int:
    return max(1, int(round(sr * HOP_S)))


def frame_db(samples: np.ndarray, sr: int) -> np.ndarray:
    """RMS level (dBFS) of 30 ms frames every 10 ms; frame i starts at sample i*hop."""
    x = to_mono(samples)
    hop = _hop(sr)
    n_hops = len(x) // hop
    if n_hops == 0:
        return np.full(1, float(_db(np.mean(np.square(x, dtype=np.float64)) if len(x) else 0.0)))
    energy = np.empty(n_hops, np.float64)
    step = 1 << 16
    for i in range(0, n_hops, step):
        block = x[i * hop : min(n_hops, i + step) * hop].reshape(-1, hop)
        energy[i : i + len(block)] = np.einsum("ij,ij->i", block, block)
    k = min(FRAME_HOPS, n_hops)
    csum = np.concatenate(([0.0], np.cumsum(energy)))
    frames = (csum[k:] - csum[:-k]) / (k * hop)
    return np.asarray(_db(frames), dtype=np.float64)


def _fill_gaps(mask: np.ndarray, max_gap: int) -> np.ndarray:
    out = mask.copy()
    idx = np.flatnonzero(mask)
    if len(idx) < 2:
        return out
    gaps = np.flatnonzero(np.diff(idx) > 1)
    for g in gaps:
        a, b = idx[g], idx[g + 1]
        if b - a - 1 <= max_gap:
            out[a:b] = True
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index pairs of True runs."""
    padded = np.concatenate(([0], mask.astype(np.int8), [0]))
    d = np.diff(padded)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def _levels(db: np.ndarray) -> tuple[float, float, float]:
    """(noise floor, loud level, VAD threshold) in dBFS from the frame level distribution."""
    floor = float(np.percentile(db, 10))
    loud = float(np.percentile(db, 95))
    threshold = max(-60.0, floor + max(6.0, 0.4 * (loud - floor)))
    return floor, loud, threshold


def speech_mask(samples: np.ndarray, sr: int, *, fill_gaps: bool = True) -> np.ndarray:
    """Per-hop booleans: is there speech (energy VAD relative to the noise floor)."""
    db = frame_db(samples, sr)
    _, loud, thr = _levels(db)
    if loud < -60.0:
        return np.zeros(len(db), bool)
    mask = db > thr
    return _fill_gaps(mask, int(GAP_FILL_S / HOP_S)) if fill_gaps else mask


def clipped_mask(samples: np.ndarray) -> np.ndarray:
    """Samples on flat tops at the peak (runs of >= 3 equal samples): the mark of clipping."""
    x = to_mono(samples)
    out = np.zeros(len(x), bool)
    if len(x) < 3:
        return out
    mag = np.abs(x)
    peak = float(mag.max())
    if peak < 0.1:
        return out
    idx = np.flatnonzero(mag >= 0.99 * peak)  # few samples: work on them only
    if len(idx) < 3:
        return out
    pair = (np.diff(idx) == 1) & (np.abs(np.diff(x[idx])) <= 1e-5)
    for a, b in _runs(pair):
        if b - a >= 2:  # >= 2 equal steps = >= 3 samples
            out[idx[a] : idx[b] + 1] = True
    return out


@dataclass(frozen=True)
class AudioAnalysis:
    """Measurements of a (mono) recording. Levels in dBFS, times in seconds."""

    duration: float
    sample_rate: int
    peak_dbfs: float
    rms_dbfs: float
    clipping_ratio: float  # fraction of samples on clipped flat tops
    noise_floor_dbfs: float
    speech_level_dbfs: float  # RMS over the frames the VAD calls speech
    snr_db: float  # speech level minus noise floor
    speech_duration: float  # speech, counting pauses shorter than 0.3 s
    leading_silence: float
    trailing_silence: float
    invalid_samples: int = 0  # NaN/inf values (replaced by 0 for the measurements)


def analyze(samples: np.ndarray, sr: int) -> AudioAnalysis:
    """Measure a recording (any length; stereo is averaged to mono)."""
    x = to_mono(samples)
    bad = int(np.count_nonzero(~np.isfinite(x)))
    if bad:
        x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
    n = len(x)
    duration = n / float(sr)
    if n == 0:
        return AudioAnalysis(0.0, sr, FLOOR_DB, FLOOR_DB, 0.0, FLOOR_DB, FLOOR_DB, 0.0, 0.0, 0.0, 0.0, bad)
    peak = float(np.max(np.abs(x)))
    rms = float(_db(float(np.mean(np.square(x, dtype=np.float64)))))
    clip_ratio = float(np.count_nonzero(clipped_mask(x))) / n
    db = frame_db(x, sr)
    floor, _, _ = _levels(db)
    mask = speech_mask(x, sr)
    hop_s = _hop(sr) / float(sr)
    if mask.any():
        power = np.power(10.0, db / 10.0)
        speech_level = float(_db(float(power[mask].mean())))
        quiet = ~mask
        noise = float(_db(float(power[quiet].mean()))) if quiet.sum() >= 10 else floor
        noise = min(noise, speech_level)
        idx = np.flatnonzero(mask)
        lead = idx[0] * hop_s
        trail = max(0.0, duration - (idx[-1] + FRAME_HOPS) * hop_s)
        speech_dur = min(duration, float(mask.sum()) * hop_s)
    else:
        speech_level, noise, lead, trail, speech_dur = FLOOR_DB, floor, duration, 0.0, 0.0
    snr = max(0.0, min(100.0, speech_level - noise))
    return AudioAnalysis(
        duration=duration,
        sample_rate=int(sr),
        peak_dbfs=float(_db(peak * peak)),
        rms_dbfs=rms,
        clipping_ratio=clip_ratio,
        noise_floor_dbfs=noise,
        speech_level_dbfs=speech_level,
        snr_db=float(snr),
        speech_duration=speech_dur,
        leading_silence=float(lead),
        trailing_silence=float(trail),
        invalid_samples=bad,
    )


@dataclass(frozen=True)
class AudioIssue:
    """A problem with a reference recording. ``severity``: "error" (cannot be used),
    "warning" (usable, but results will suffer) or "info" (advice)."""

    code: str
    severity: str
    message: str
    hint: str = ""


def check_reference(a: AudioAnalysis) -> list[AudioIssue]:
    """Turn measurements into plain-language issues, errors first."""
    issues: list[AudioIssue] = []
    if a.invalid_samples:
        issues.append(
            AudioIssue(
                "invalid",
                "error",
                tr("The recording contains damaged samples."),
                tr("Record again, or try another microphone."),
            )
        )
    if a.duration == 0 or a.peak_dbfs < -50.0 or a.speech_duration < 0.3:
        issues.append(
            AudioIssue(
                "silent",
                "error",
                tr("No speech was found: the recording is silent."),
                tr("Check that the right microphone is selected and not muted."),
            )
        )
        return issues
    if a.speech_duration < 2.0:
        issues.append(
            AudioIssue(
                "too_short",
                "error",
                tr(
                    "Only {speech_duration:.1f} s of speech; at least 2 s is needed.",
                    speech_duration=a.speech_duration,
                ),
                tr("Record a full sentence or two (3-10 s is ideal)."),
            )
        )
    elif a.speech_duration < SWEET_MIN_S:
        issues.append(
            AudioIssue(
                "short",
                "warning",
                tr(
                    "Only {speech_duration:.1f} s of speech; 3-10 s works best.",
                    speech_duration=a.speech_duration,
                ),
                tr("A slightly longer sentence will give a more faithful voice."),
            )
        )
    if a.duration > HARD_MAX_S:
        issues.append(
            AudioIssue(
                "too_long",
                "warning",
                tr(
                    "The recording is {duration:.0f} s long; only the best 10 s will be used.",
                    duration=a.duration,
                ),
                tr("Pick the part you want, or let the app choose it."),
            )
        )
    elif a.duration > SWEET_MAX_S + 2.0:
        issues.append(
            AudioIssue(
                "long",
                "info",
                tr("The recording is {duration:.0f} s long; 3-10 s works best.", duration=a.duration),
                tr("Trim it to one or two clear sentences."),
            )
        )
    if a.clipping_ratio > 0.001:
        issues.append(
            AudioIssue(
                "clipped",
                "warning",
                tr("The recording is distorted (clipped): it was too loud."),
                tr("Move back from the microphone or lower its input level, and record again."),
            )
        )
    if a.speech_level_dbfs < -40.0:
        issues.append(
            AudioIssue(
                "quiet",
                "warning",
                tr("The speech is very quiet."),
                tr("Move closer to the microphone or raise its input level."),
            )
        )
    if a.snr_db < 15.0:
        bad = a.snr_db < 8.0
        issues.append(
            AudioIssue(
                "noisy",
                "warning",
                tr("There is a lot of background noise.") if bad else tr("There is some background noise."),
                tr("The cloned voice will copy the noise; record in a quieter room if you can."),
            )
        )
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(issues, key=lambda i: order[i.severity])


def trim_silence(
    samples: np.ndarray, sr: int, *, top_db: float = 40.0, pad_s: float = 0.05
) -> tuple[int, int]:
    """[start, end) sample range without the leading/trailing parts quieter than
    ``top_db`` below the loudest frame (librosa.effects.trim semantics, plus a small pad)."""
    x = to_mono(samples)
    if len(x) == 0:
        return 0, 0
    db = frame_db(x, sr)
    keep = np.flatnonzero(db > db.max() - top_db)
    if db.max() <= FLOOR_DB or len(keep) == 0:
        return 0, 0
    hop = _hop(sr)
    pad = int(pad_s * sr)
    start = max(0, keep[0] * hop - pad)
    end = min(len(x), (keep[-1] + FRAME_HOPS) * hop + pad)
    return int(start), int(end)


def auto_trim(
    samples: np.ndarray,
    sr: int,
    *,
    max_seconds: float = SWEET_MAX_S,
    min_seconds: float = SWEET_MIN_S,
    pad_s: float = 0.15,
) -> tuple[int, int]:
    """Pick the best continuous stretch of speech, at most ``max_seconds`` long.

    Candidates start and end at pauses, so no word is cut, unless someone speaks without a
    pause for longer than ``max_seconds`` (then it cuts at the quietest moment). Score: more
    speech is better, long internal pauses and clipping are worse. Returns [start, end)
    sample indices; falls back to ``trim_silence`` when no speech is found.
    """
    x = to_mono(samples)
    n = len(x)
    if n == 0:
        return 0, 0
    hop = _hop(sr)
    db = frame_db(x, sr)
    raw = speech_mask(x, sr, fill_gaps=False)
    runs = _runs(_fill_gaps(raw, int(GAP_FILL_S / HOP_S)))
    if not runs:
        s, e = trim_silence(x, sr)
        return s, min(e, s + int(max_seconds * sr))
    voiced = np.concatenate(([0], np.cumsum(raw)))
    clip = clipped_mask(x)
    clip_hops = np.concatenate(([0], np.cumsum(np.add.reduceat(clip, np.arange(0, n, hop)))))
    max_h, min_h = int(max_seconds / HOP_S), int(min_seconds / HOP_S)
    best: tuple[float, int, int] | None = None
    for i, (a, _) in enumerate(runs):
        for j in range(i, len(runs)):
            b = runs[j][1]
            if b - a > max_h:
                if j == i:  # one unbroken stretch longer than allowed: cut at the quietest hop
                    lo, hi = a + min_h, min(a + max_h, b)
                    b = lo + int(np.argmin(db[lo:hi])) if hi > lo else a + max_h
                else:
                    break
            pauses = sum(max(0, runs[k + 1][0] - runs[k][1] - int(0.7 / HOP_S)) for k in range(i, j))
            cl = clip_hops[min(b, len(clip_hops) - 1)] - clip_hops[min(a, len(clip_hops) - 1)]
            length = b - a
            score = (
                (voiced[min(b, len(raw))] - voiced[a]) * HOP_S
                - 0.5 * pauses * HOP_S
                - 20.0 * cl / sr
                - 2.0 * max(0, min_h - length) * HOP_S
            )
            if best is None or score > best[0] + 1e-9:
                best = (score, a, b)
            if b != runs[j][1]:
                break
    assert best is not None
    _, a, b = best
    start = a * hop
    end = min(n, (b + FRAME_HOPS - 1) * hop)
    limit = int(max_seconds * sr)
    end = min(end, start + limit)
    pad = int(pad_s * sr)
    room = max(0, limit - (end - start))
    start = max(0, start - min(pad, room // 2))
    end = min(n, end + min(pad, limit - (end - start)))
    return int(start), int(end)
