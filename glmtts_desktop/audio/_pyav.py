"""Fallback decoder through PyAV (bundled FFmpeg) for what libsndfile cannot read (m4a, aac, ...).

Imported lazily: PyAV is optional, and a missing PyAV only means those formats are refused
with a clear message instead of a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def available() -> bool:
    try:
        import av  # noqa: F401
    except Exception:  # ImportError, or a broken shared library
        return False
    return True


def probe(path: Path) -> tuple[float, int, int, int | None, str]:
    """(duration_s, sample_rate, channels, frames or None, codec name) without decoding."""
    import av

    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise ValueError("no audio stream in the file")
        stream = container.streams.audio[0]
        duration = 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000.0
        sr = int(stream.rate or stream.codec_context.sample_rate)
        channels = int(stream.channels or 1)
        frames = int(round(duration * sr)) if duration > 0 else None
        return duration, sr, channels, frames, stream.codec_context.name


def iter_blocks(path: Path) -> Iterator[tuple[np.ndarray, int, int, str]]:
    """Yield decoded blocks as (frames, channels) float32 with (sample_rate, channels, codec).

    Decoding is streamed so a caller can stop early (``max_seconds``) without holding the
    whole file in memory.
    """
    import av

    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise ValueError("no audio stream in the file")
        stream = container.streams.audio[0]
        sr = int(stream.rate or stream.codec_context.sample_rate)
        channels = int(stream.channels or 1)
        codec = stream.codec_context.name
        resampler = av.AudioResampler(format="fltp", layout=stream.layout, rate=sr)
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                yield np.ascontiguousarray(out.to_ndarray().T, dtype=np.float32), sr, channels, codec
        for out in resampler.resample(None):
            yield np.ascontiguousarray(out.to_ndarray().T, dtype=np.float32), sr, channels, codec
