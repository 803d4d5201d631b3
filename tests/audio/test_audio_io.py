from __future__ import annotations

import errno
import hashlib
import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audio_signals import speech_like

from glmtts_desktop import fsutil
from glmtts_desktop.audio import (
    AudioDecodeError,
    DiskFullError,
    InvalidAudioError,
    load_audio,
    probe,
    resample,
    save_audio,
)


def _stereo(sr: int, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    right = 0.25 * np.sin(2 * np.pi * 660 * t)
    return np.stack([left, right], axis=1).astype(np.float32)


@pytest.mark.parametrize(
    "fmt,subtype,tol", [("WAV", "FLOAT", 1e-7), ("FLAC", "PCM_24", 1e-6), ("OGG", "VORBIS", 0.05)]
)
def test_decodes_formats_written_by_soundfile(tmp_path, fmt, subtype, tol):
    sr = 22050
    x = _stereo(sr)
    path = tmp_path / f"a.{fmt.lower()}"
    sf.write(path, x, sr, format=fmt, subtype=subtype)
    clip = load_audio(path, mono=False)
    assert clip.sample_rate == sr and clip.original_channels == 2 and clip.channels == 2
    assert not clip.truncated
    if fmt == "OGG":  # lossy: compare energy, not samples
        assert abs(len(clip.samples) - len(x)) < 2048
        assert np.sqrt(np.mean(clip.samples**2)) == pytest.approx(np.sqrt(np.mean(x**2)), rel=0.1)
    else:
        np.testing.assert_allclose(clip.samples, x, atol=tol)


def test_stereo_to_mono_is_channel_mean(tmp_path):
    sr = 16000
    x = _stereo(sr)
    path = tmp_path / "s.wav"
    sf.write(path, x, sr, subtype="FLOAT")
    clip = load_audio(path)
    assert clip.samples.ndim == 1 and clip.samples.dtype == np.float32
    assert clip.original_channels == 2
    np.testing.assert_allclose(clip.samples, x.mean(axis=1), atol=1e-6)


def test_load_with_resampling_keeps_duration_and_pitch(tmp_path):
    sr_in, sr_out = 44100, 24000
    t = np.arange(sr_in * 2) / sr_in
    x = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    path = tmp_path / "r.flac"
    sf.write(path, x, sr_in, subtype="PCM_24")
    clip = load_audio(path, target_sr=sr_out)
    assert clip.sample_rate == sr_out and clip.original_sr == sr_in
    assert abs(len(clip.samples) - 2 * sr_out) <= 2
    spectrum = np.abs(np.fft.rfft(clip.samples))
    peak_hz = np.argmax(spectrum) * sr_out / len(clip.samples)
    assert abs(peak_hz - 1000) < 2


def test_resample_function_length_and_identity():
    x = np.random.default_rng(0).standard_normal(48000).astype(np.float32) * 0.1
    y = resample(x, 48000, 16000)
    assert y.dtype == np.float32 and abs(len(y) - 16000) <= 1
    np.testing.assert_array_equal(resample(x, 16000, 16000), x)
    with pytest.raises(InvalidAudioError):
        resample(x, 0, 16000)


def test_mp3_and_m4a_decode(tmp_path):
    av = pytest.importorskip("av")
    sr = 44100
    x = _stereo(sr, 2.0)
    mp3 = tmp_path / "a.mp3"
    sf.write(mp3, x, sr, format="MP3", subtype="MPEG_LAYER_III")
    m4a = tmp_path / "a.m4a"
    with av.open(str(m4a), "w") as out:
        stream = out.add_stream("aac", rate=sr, layout="stereo")
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x.T), format="fltp", layout="stereo")
        frame.sample_rate = sr
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    for path in (mp3, m4a):
        info = probe(path)
        assert info.sample_rate == sr and info.channels == 2
        assert info.duration == pytest.approx(2.0, abs=0.15)
        clip = load_audio(path, target_sr=24000)
        assert clip.original_channels == 2 and clip.sample_rate == 24000
        assert clip.duration == pytest.approx(2.0, abs=0.15)
        rms = np.sqrt(np.mean(clip.samples**2))
        assert rms == pytest.approx(np.sqrt(np.mean(x.mean(axis=1) ** 2)), rel=0.15)
    assert probe(m4a).decoder == "pyav"


@pytest.mark.parametrize("content", [b"", b"this is not audio at all" * 100])
def test_unreadable_file_raises_decode_error(tmp_path, content):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioDecodeError) as ei:
        load_audio(path)
    assert "bad.wav" in ei.value.message and ei.value.hint
    with pytest.raises(AudioDecodeError):
        probe(path)


def test_missing_file_raises_decode_error(tmp_path):
    with pytest.raises(AudioDecodeError, match="does not exist"):
        load_audio(tmp_path / "nope.flac")


def _write_long_wav(path: Path, seconds: int, sr: int) -> None:
    """A long WAV written block by block: the tail is a constant marker level so reading
    it would be visible in the result."""
    block = np.full((sr * 60, 2), 0.25, np.int16)
    with sf.SoundFile(path, "w", samplerate=sr, channels=2, subtype="PCM_16") as f:
        for _ in range(seconds // 60):
            f.write(block)


def test_forty_minute_file_probe_and_truncated_load(tmp_path):
    sr = 16000
    path = tmp_path / "long.wav"
    _write_long_wav(path, 40 * 60, sr)
    info = probe(path)
    assert info.duration == pytest.approx(2400.0) and info.channels == 2 and info.sample_rate == sr
    tracemalloc.start()
    try:
        clip = load_audio(path, max_seconds=12.5, target_sr=24000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert clip.truncated and clip.original_duration == pytest.approx(2400.0)
    assert clip.duration == pytest.approx(12.5, abs=0.01)
    # the whole file decoded to float32 would need 2400 s * 16000 * 2 ch * 4 B = 307 MB
    assert peak < 10 * 1024 * 1024


def test_max_seconds_longer_than_file_is_not_truncated(tmp_path):
    path = tmp_path / "short.wav"
    sf.write(path, np.zeros(8000, np.float32) + 0.1, 8000)
    clip = load_audio(path, max_seconds=5)
    assert not clip.truncated and clip.duration == pytest.approx(1.0)


def test_save_audio_round_trip_and_clipping(tmp_path):
    sr = 24000
    x = speech_like(1.0, sr)
    x[:10] = 1.7  # out of range must be clipped, not wrapped
    for fmt in ("wav", "flac"):
        p = save_audio(tmp_path / f"o.{fmt}", x, sr, format=fmt)
        y, ysr = sf.read(p, dtype="float32")
        assert ysr == sr and len(y) == len(x)
        assert np.all(y[:10] > 0.99)
        np.testing.assert_allclose(y[10:], x[10:], atol=1 / 16000)
    assert sorted(os.listdir(tmp_path)) == ["o.flac", "o.wav"]


def test_save_audio_rejects_nan_and_bad_format(tmp_path):
    with pytest.raises(InvalidAudioError):
        save_audio(tmp_path / "x.wav", np.array([0.0, np.nan], np.float32), 24000)
    with pytest.raises(InvalidAudioError):
        save_audio(tmp_path / "x.mp3", np.zeros(10, np.float32), 24000, format="mp3")
    assert not list(tmp_path.iterdir())


class _FullDisk:
    """A file object that accepts a little and then fails like a full disk."""

    def __init__(self, path):
        self._fh = open(path, "xb")
        self.written = 0

    def write(self, data):
        room = 100 - self.written
        self.written += self._fh.write(bytes(data[: max(room, 0)]))
        if len(data) > room:
            raise OSError(errno.ENOSPC, "No space left on device")
        return len(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


def test_save_audio_disk_full_leaves_nothing(tmp_path, monkeypatch):
    old = tmp_path / "keep.wav"
    save_audio(old, np.zeros(100, np.float32), 8000)
    before = hashlib.sha256(old.read_bytes()).hexdigest()
    monkeypatch.setattr(fsutil, "open_for_write", _FullDisk)
    with pytest.raises(DiskFullError) as ei:
        save_audio(old, speech_like(2.0, 8000), 8000)
    assert "disk is full" in ei.value.message.lower()
    # the old file is untouched, and no temp file remains
    assert [p.name for p in tmp_path.iterdir()] == ["keep.wav"]
    assert hashlib.sha256(old.read_bytes()).hexdigest() == before


def test_wav_with_no_frames_is_a_decode_error(tmp_path):
    path = tmp_path / "empty.wav"
    sf.write(path, np.zeros((0, 1), np.float32), 16000)
    assert path.stat().st_size > 0
    with pytest.raises(AudioDecodeError, match="no audio"):
        load_audio(path)
