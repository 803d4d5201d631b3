"""Reading, probing, saving and resampling audio files.

libsndfile (through soundfile) reads wav/flac/ogg/mp3 directly and lets us read just the
beginning of a huge file; PyAV is the fallback for containers libsndfile cannot open
(m4a/aac/...). Decoding is done block by block, down-mixed and resampled as it streams, so
a 40-minute home video does not need gigabytes of memory, and ``max_seconds`` stops early.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from glmtts_desktop import mono
from glmtts_desktop.audio import _pyav
from glmtts_desktop.audio._atomic import atomic_write_bytes
from glmtts_desktop.audio.errors import AudioDecodeError, InvalidAudioError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

PathLike = str | Path
_BLOCK_FRAMES = 1 << 16  # ~1.4 s at 48 kHz: small enough to bound memory, big enough to be fast
SAVE_FORMATS = ("wav", "flac")


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds, found without decoding it all."""

    path: Path
    duration: float  # seconds (an estimate for some compressed formats)
    sample_rate: int
    channels: int
    frames: int | None
    format: str  # e.g. "WAV", "FLAC", "MP3", or the FFmpeg codec name ("aac")
    decoder: str  # "soundfile" or "pyav"


@dataclass(frozen=True, eq=False)
class AudioClip:
    """Decoded audio. ``samples`` is float32, shape (n,) when mono else (n, channels).

    ``truncated`` is True when ``max_seconds`` cut the file short; ``original_duration`` is
    the full length of the file as far as it is known.
    """

    samples: np.ndarray
    sample_rate: int
    source_path: Path | None
    original_channels: int
    original_sr: int
    truncated: bool = False
    original_duration: float | None = None

    @property
    def duration(self) -> float:
        return len(self.samples) / float(self.sample_rate)

    @property
    def channels(self) -> int:
        return 1 if self.samples.ndim == 1 else int(self.samples.shape[1])


def _decode_error(path: Path, message: str, detail: str = "") -> AudioDecodeError:
    return AudioDecodeError(
        message,
        hint=tr("Try another file, or convert it to WAV or FLAC with an audio editor."),
        detail=f"{path}: {detail}" if detail else str(path),
    )


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise AudioDecodeError(tr("The file {name} does not exist.", name=path.name), detail=str(path))
    if path.is_dir():
        raise AudioDecodeError(tr("{name} is a folder, not an audio file.", name=path.name), detail=str(path))
    if path.stat().st_size == 0:
        raise _decode_error(path, f"The file {path.name} is empty.")


def probe(path: PathLike) -> AudioInfo:
    """Duration, rate and channels of a file, reading only its header (or container index)."""
    path = Path(path)
    _check_exists(path)
    try:
        info = sf.info(str(path))
        return AudioInfo(
            path,
            float(info.duration),
            int(info.samplerate),
            int(info.channels),
            int(info.frames),
            str(info.format),
            "soundfile",
        )
    except (sf.LibsndfileError, RuntimeError, TypeError) as sf_exc:
        sf_detail = str(sf_exc)
    if not _pyav.available():
        raise _decode_error(path, f"{path.name} is not an audio format this app can read.", sf_detail)
    try:
        duration, sr, channels, frames, codec = _pyav.probe(path)
    except Exception as exc:  # PyAV raises many FFmpeg error types
        raise _decode_error(
            path, f"{path.name} could not be read as audio.", f"soundfile: {sf_detail}; pyav: {exc}"
        ) from exc
    return AudioInfo(path, duration, sr, channels, frames, codec, "pyav")


_Block = tuple[np.ndarray, int, int]  # samples (frames, channels), sample rate, channels


def _soundfile_blocks(path: Path) -> Iterator[_Block]:
    with sf.SoundFile(str(path)) as f:
        sr, ch = int(f.samplerate), int(f.channels)
        for block in f.blocks(blocksize=_BLOCK_FRAMES, dtype="float32", always_2d=True):
            yield block, sr, ch


def _open_blocks(path: Path) -> tuple[Generator[_Block, None, None], str]:
    """A block iterator from the first decoder that can open the file."""
    try:
        it = _soundfile_blocks(path)
        first = next(it)
        return _chain(first, it), "soundfile"
    except StopIteration:
        raise _decode_error(path, f"{path.name} contains no audio.") from None
    except (sf.LibsndfileError, RuntimeError, TypeError) as sf_exc:
        sf_detail = str(sf_exc)
    if not _pyav.available():
        raise _decode_error(
            path,
            f"{path.name} is not an audio format this app can read.",
            f"soundfile: {sf_detail}; PyAV is not installed",
        )
    try:
        av_it = ((b, sr, ch) for b, sr, ch, _codec in _pyav.iter_blocks(path))
        first = next(av_it)
        return _chain(first, av_it), "pyav"
    except StopIteration:
        raise _decode_error(path, f"{path.name} contains no audio.") from None
    except Exception as exc:
        raise _decode_error(
            path, f"{path.name} could not be read as audio.", f"soundfile: {sf_detail}; pyav: {exc}"
        ) from exc


def _chain(first: _Block, rest: Iterator[_Block]) -> Generator[_Block, None, None]:
    yield first
    yield from rest


def load_audio(
    path: PathLike,
    *,
    target_sr: int | None = None,
    mono: bool = True,
    max_seconds: float | None = None,
) -> AudioClip:
    """Decode a file to float32, optionally down-mixed (channel mean) and resampled (soxr HQ).

    ``max_seconds`` (of the source) reads only the beginning and sets ``truncated``; the rest
    of the file is never decoded. Raises AudioDecodeError for anything unreadable.
    """
    path = Path(path)
    _check_exists(path)
    if target_sr is not None and target_sr <= 0:
        raise InvalidAudioError(tr("Invalid sample rate {target_sr}.", target_sr=target_sr))
    if max_seconds is not None and max_seconds <= 0:
        raise InvalidAudioError(tr("max_seconds must be positive."))
    blocks, decoder = _open_blocks(path)
    chunks: list[np.ndarray] = []
    src_sr = channels = 0
    taken = 0
    limit: int | None = None
    truncated = False
    stream: soxr.ResampleStream | None = None
    try:
        for block, src_sr, channels in blocks:  # noqa: B007 (the last block's channels are reported)
            if limit is None and max_seconds is not None:
                limit = int(round(max_seconds * src_sr))
            if limit is not None and taken + len(block) >= limit:
                block = block[: limit - taken]
                truncated = True
            taken += len(block)
            if mono:
                block = block.mean(axis=1, dtype=np.float32, keepdims=True)
            if target_sr is not None and target_sr != src_sr:
                if stream is None:
                    stream = soxr.ResampleStream(
                        src_sr, target_sr, block.shape[1], dtype="float32", quality="HQ"
                    )
                block = stream.resample_chunk(block, last=False)
            chunks.append(np.ascontiguousarray(block, dtype=np.float32))
            if truncated:
                break
    except AudioDecodeError:
        raise
    except Exception as exc:
        raise _decode_error(
            path, f"{path.name} is damaged and could not be decoded completely.", str(exc)
        ) from exc
    finally:
        blocks.close()
    if stream is not None:
        chunks.append(stream.resample_chunk(np.zeros((0, chunks[0].shape[1]), np.float32), last=True))
    data = np.concatenate(chunks, axis=0) if chunks else np.zeros((0, 1), np.float32)
    if len(data) == 0:
        raise _decode_error(path, f"{path.name} contains no audio.")
    if truncated:
        # Only now ask for the full length: cheap, and only needed when we stopped early.
        try:
            original_duration: float | None = probe(path).duration
        except AudioDecodeError:
            original_duration = None
        # A file exactly max_seconds long is not really cut.
        if original_duration is not None and original_duration * src_sr <= taken + 0.5:
            truncated = False
    else:
        original_duration = taken / float(src_sr)
    samples = data[:, 0].copy() if mono else data
    log.debug(
        "loaded %s via %s: %d frames at %d Hz%s",
        path,
        decoder,
        len(samples),
        target_sr or src_sr,
        " (truncated)" if truncated else "",
    )
    return AudioClip(
        samples=samples,
        sample_rate=int(target_sr or src_sr),
        source_path=path,
        original_channels=int(channels),
        original_sr=int(src_sr),
        truncated=truncated,
        original_duration=original_duration,
    )


def to_mono(samples: np.ndarray) -> np.ndarray:
    """(n,) or (n, channels) -> (n,) float32 by averaging channels (glmtts_desktop.mono)."""
    return mono.to_mono(samples, error=InvalidAudioError)


def resample(x: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """High-quality (soxr HQ) resampling of (n,) or (n, channels) float audio."""
    if sr_in <= 0 or sr_out <= 0:
        raise InvalidAudioError(tr("Invalid sample rate ({sr_in} -> {sr_out}).", sr_in=sr_in, sr_out=sr_out))
    x = np.asarray(x, dtype=np.float32)
    if sr_in == sr_out or len(x) == 0:
        return x.copy()
    return soxr.resample(x, sr_in, sr_out, quality="HQ").astype(np.float32, copy=False)


def _validate_samples(samples: np.ndarray) -> np.ndarray:
    x = np.asarray(samples)
    if x.ndim not in (1, 2) or x.size == 0:
        raise InvalidAudioError(tr("Cannot save audio of shape {shape}.", shape=x.shape))
    if not np.issubdtype(x.dtype, np.floating) and not np.issubdtype(x.dtype, np.integer):
        raise InvalidAudioError(tr("Cannot save audio of type {dtype}.", dtype=x.dtype))
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        raise InvalidAudioError(tr("The audio contains invalid values (NaN or infinity); it was not saved."))
    return x


def encode_audio(samples: np.ndarray, sr: int, *, format: str = "wav", subtype: str | None = None) -> bytes:
    """Encode to WAV/FLAC bytes in memory (float input is clipped to [-1, 1] for integer PCM)."""
    fmt = format.lower()
    if fmt not in SAVE_FORMATS:
        raise InvalidAudioError(
            tr(
                "Unsupported output format {format}; use one of {SAVE_FORMATS}.",
                format=repr(format),
                SAVE_FORMATS=SAVE_FORMATS,
            )
        )
    if sr <= 0:
        raise InvalidAudioError(tr("Invalid sample rate {sr}.", sr=sr))
    x = _validate_samples(samples)
    subtype = subtype or "PCM_16"
    if np.issubdtype(x.dtype, np.floating) and not subtype.startswith(("FLOAT", "DOUBLE")):
        x = np.clip(x, -1.0, 1.0)
    buf = io.BytesIO()
    try:
        sf.write(buf, x, int(sr), format=fmt.upper(), subtype=subtype)
    except (sf.LibsndfileError, RuntimeError, ValueError, TypeError) as exc:
        raise InvalidAudioError(
            tr("Cannot encode {value} with subtype {subtype}.", value=fmt.upper(), subtype=subtype),
            detail=str(exc),
        ) from exc
    return buf.getvalue()


def save_audio(
    path: PathLike,
    samples: np.ndarray,
    sr: int,
    *,
    format: str = "wav",
    subtype: str | None = None,
) -> Path:
    """Write WAV or FLAC atomically (temp file, fsync, rename); default subtype PCM_16.

    Raises DiskFullError (nothing left behind) when the disk fills up, AudioWriteError for
    other OS errors, InvalidAudioError for unusable samples.
    """
    path = Path(path)
    data = encode_audio(samples, sr, format=format, subtype=subtype)
    atomic_write_bytes(path, data)
    return path
