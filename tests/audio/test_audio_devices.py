from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import soundfile as sf
from audio_signals import speech_like

from glmtts_desktop.audio import (
    AudioDeviceError,
    FakeBackend,
    NullBackend,
    Player,
    Recorder,
    get_backend,
    sd_backend,
)
from glmtts_desktop.audio import backend as backend_mod


# -- backends -----------------------------------------------------------------------------------
def test_null_backend_reports_reason_and_refuses_to_open():
    b = NullBackend()
    assert not b.available and "PortAudio" in b.reason
    assert b.list_input_devices() == [] and b.list_output_devices() == []
    assert not b.input_status().available and b.input_status().reason == b.reason
    with pytest.raises(AudioDeviceError):
        b.open_input(lambda block: None, sample_rate=48000)
    rec = Recorder(b, "unused.wav")
    with pytest.raises(AudioDeviceError):
        rec.start()


def test_get_backend_falls_back_to_null_when_portaudio_is_missing(monkeypatch):
    monkeypatch.setattr(sd_backend, "import_sounddevice", lambda: (None, backend_mod.NO_PORTAUDIO_REASON))
    b = get_backend()
    assert isinstance(b, NullBackend) and not b.available
    assert "libportaudio2" in b.reason


def test_import_sounddevice_turns_oserror_into_reason(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *a, **kw):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *a, **kw)

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    sd, reason = sd_backend.import_sounddevice()
    assert sd is None and "PortAudio" in reason


def test_sounddevice_backend_without_devices_is_a_state_not_a_crash():
    sd, _ = sd_backend.import_sounddevice()
    if sd is None:
        pytest.skip("PortAudio is not installed here")
    b = sd_backend.SoundDeviceBackend(sd)
    if b.list_input_devices():
        pytest.skip("this machine has a real microphone")
    status = b.input_status()
    assert not status.available and "microphone" in status.reason.lower()
    with pytest.raises(AudioDeviceError):
        b.open_input(lambda block: None, sample_rate=48000)


# -- recorder -----------------------------------------------------------------------------------
def test_recorder_writes_incrementally_and_reports_levels(tmp_path):
    sr = 16000
    signal_ = speech_like(3.0, sr, level=0.5)
    fake = FakeBackend(signal_)
    path = tmp_path / "take.wav"
    rec = Recorder(fake, path, sample_rate=sr, blocksize=800, subtype="FLOAT")
    rec.start()
    assert rec.recording and path.exists()
    fake.pump(10)
    assert rec.sync(timeout=5)
    # readable while still recording, holding exactly what was captured
    part, part_sr = sf.read(path, dtype="float32")
    assert part_sr == sr and len(part) == 8000 == rec.frames_written
    np.testing.assert_array_equal(part, signal_[:8000])
    level = rec.level()
    last = signal_[7200:8000]
    assert level.peak == pytest.approx(float(np.abs(last).max()))
    assert level.rms == pytest.approx(float(np.sqrt(np.mean(last.astype(np.float64) ** 2))), rel=1e-5)
    assert not rec.clipped
    fake.pump_all()
    out = rec.stop()
    assert out == path and rec.state == "stopped"
    assert not fake.active_streams()
    full, _ = sf.read(path, dtype="float32")
    np.testing.assert_array_equal(full, signal_)
    assert rec.duration == pytest.approx(3.0)


def test_recorder_flags_clipping_and_replaces_nan(tmp_path):
    sig = np.zeros(4000, np.float32)
    sig[100:200] = 1.0
    sig[2500:2600] = np.nan
    fake = FakeBackend(sig)
    rec = Recorder(fake, tmp_path / "c.wav", sample_rate=8000, blocksize=1000)
    rec.start()
    fake.pump(1)
    assert rec.level().clipped and rec.clipped
    fake.pump(1)
    assert not rec.level().clipped and rec.clipped  # sticky for the take
    fake.pump_all()
    rec.stop()
    data, _ = sf.read(tmp_path / "c.wav", dtype="float32")
    assert rec.invalid_input and np.all(np.isfinite(data)) and np.all(data[2500:2600] == 0)


def test_recorder_max_seconds_stops_capture(tmp_path):
    fake = FakeBackend(np.full(8000 * 3, 0.1, np.float32))
    rec = Recorder(fake, tmp_path / "m.wav", sample_rate=8000, blocksize=700, max_seconds=1.0)
    rec.start()
    fake.pump_all()
    assert rec.limit_reached
    rec.stop()
    assert sf.info(tmp_path / "m.wav").frames == 8000


def test_recorder_uses_device_rate_when_the_device_refuses_the_request(tmp_path):
    fake = FakeBackend(np.zeros(4410, np.float32), device_rate=44100)
    rec = Recorder(fake, tmp_path / "r.wav", sample_rate=48000)
    rec.start()
    fake.pump_all()
    rec.stop()
    assert rec.sample_rate == 44100 and sf.info(tmp_path / "r.wav").samplerate == 44100


CRASH_SCRIPT = textwrap.dedent("""
    import sys, numpy as np
    from glmtts_desktop.audio import FakeBackend, Recorder
    sig = (np.sin(np.arange(16000 * 4) * 0.05) * 0.4).astype(np.float32)
    fake = FakeBackend(sig)
    rec = Recorder(fake, sys.argv[1], sample_rate=16000, blocksize=1600)
    rec.start()
    fake.pump(25)            # 2.5 s captured
    rec.sync()
    print("ready", flush=True)
    sys.stdin.readline()     # wait to be killed; stop() is never called
""")


@pytest.mark.skipif(os.name != "posix", reason="uses SIGKILL")
def test_take_survives_a_killed_recorder(tmp_path):
    path = tmp_path / "crash.wav"
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH_SCRIPT, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    data, sr = sf.read(path, dtype="float32")
    assert sr == 16000 and len(data) == 40000
    expected = (np.sin(np.arange(40000) * 0.05) * 0.4).astype(np.float32)
    np.testing.assert_allclose(data, expected, atol=1e-6)


def test_discard_removes_the_take(tmp_path):
    fake = FakeBackend(np.zeros(1000, np.float32))
    rec = Recorder(fake, tmp_path / "d.wav", sample_rate=8000)
    rec.start()
    fake.pump_all()
    rec.discard()
    assert not (tmp_path / "d.wav").exists()


# -- player ------------------------------------------------------------------------------------
def _ramp(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.float32) / n


def test_player_plays_everything_then_stops_cleanly():
    fake = FakeBackend()
    p = Player(fake, blocksize=256)
    x = _ramp(1000)
    p.load(x, 8000)
    p.play()
    assert p.state == "playing"
    fake.pump(2)
    assert p.position == pytest.approx(512 / 8000)
    fake.pump_all()
    assert p.state == "stopped" and p.finished_count == 1 and p.position == 0.0
    played = fake.played_audio()[:, 0]
    np.testing.assert_array_equal(played[:1000], x)
    assert np.all(played[1000:] == 0) and len(played) == 1024


def test_player_pause_resume_and_seek():
    fake = FakeBackend()
    p = Player(fake, blocksize=100)
    x = _ramp(2000)
    p.load(x, 1000)
    p.play()
    fake.pump(3)
    p.pause()
    assert p.state == "paused" and p.position == pytest.approx(0.3)
    fake.pump(5)  # paused: nothing more is pulled
    assert p.position == pytest.approx(0.3)
    p.seek(1.5)
    p.play()
    fake.pump(1)
    played = fake.played_audio()[:, 0]
    np.testing.assert_array_equal(played[:300], x[:300])
    np.testing.assert_array_equal(played[300:400], x[1500:1600])
    p.stop()
    assert p.state == "stopped" and p.position == 0.0 and not fake.active_streams()


def test_player_loops_a_range():
    fake = FakeBackend()
    p = Player(fake, blocksize=150)
    x = _ramp(1000)
    p.load(x, 1000)
    p.set_range(0.2, 0.3)
    p.loop = True
    p.play()
    fake.pump(2)
    played = fake.played_audio()[:, 0]
    expected = np.concatenate([x[200:300]] * 3)[:300]
    np.testing.assert_array_equal(played, expected)
    assert p.state == "playing" and p.finished_count == 0
    p.loop = False
    fake.pump_all()
    assert p.state == "stopped" and p.finished_count == 1


def test_player_resamples_when_device_runs_at_another_rate():
    fake = FakeBackend(device_rate=48000)
    p = Player(fake, blocksize=4800)
    t = np.arange(24000) / 24000
    p.load((0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 24000)
    p.play()
    fake.pump(5)
    assert p.position == pytest.approx(0.5)
    fake.pump_all()
    played = fake.played_audio()[:, 0]
    assert abs(np.count_nonzero(np.abs(played) > 1e-4) - 48000) < 100
    assert p.duration == pytest.approx(1.0)


def test_player_without_output_device_raises_device_error():
    p = Player(NullBackend())
    p.load(np.zeros(100, np.float32), 8000)
    with pytest.raises(AudioDeviceError):
        p.play()
    assert p.state == "stopped"


class _EagerFake(FakeBackend):
    """Like a real device: the first callback comes before open_output returns."""

    def open_output(self, callback, **kw):
        stream = super().open_output(callback, **kw)
        self.pump(1)
        return stream


def test_player_survives_a_callback_before_open_returns():
    fake = _EagerFake()
    p = Player(fake, blocksize=100)
    x = _ramp(1000)
    p.load(x, 1000)
    p.play()
    assert p.state == "playing" and fake.active_streams("output")
    fake.pump_all()
    assert p.wait(timeout=0) and p.finished_count == 1
    played = fake.played_audio()[:, 0]
    # the early block is silence (not yet armed), then the whole buffer follows
    np.testing.assert_array_equal(played[:100], 0)
    np.testing.assert_array_equal(played[100:1100], x)


REAL_DEVICE_SCRIPT = textwrap.dedent("""
    import sys, numpy as np, soundfile as sf
    from glmtts_desktop.audio import get_backend, Recorder, Player
    b = get_backend()
    assert b.available, b.reason
    assert b.input_status().available and b.output_status().available
    rec = Recorder(b, sys.argv[1], sample_rate=48000)
    rec.start()
    for _ in range(200):          # the null device is not paced: frames arrive at once
        rec.sync(timeout=1)
        if rec.frames_written > 4800:
            break
    rec.stop()
    assert sf.info(sys.argv[1]).frames == rec.frames_written > 0
    p = Player(b)
    p.load(np.zeros(2400, np.float32), 24000)
    p.play()
    assert p.wait(timeout=10), p.state
    assert p.finished_count == 1
    print("ok")
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses an ALSA null device")
def test_sounddevice_backend_real_code_path_with_alsa_null_device(tmp_path):
    if sd_backend.import_sounddevice()[0] is None:
        pytest.skip("PortAudio is not installed here")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(
        'pcm.!default { type plug; slave.pcm "nulldev" }\npcm.nulldev { type null }\n'
    )
    env = dict(os.environ, HOME=str(home))
    proc = subprocess.run(
        [sys.executable, "-c", REAL_DEVICE_SCRIPT, str(tmp_path / "t.wav")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-3000:]


# -- streaming into the player -----------------------------------------------------------------
def test_player_streams_appended_chunks_without_gaps_when_they_come_in_time():
    fake = FakeBackend()
    p = Player(fake, blocksize=256)
    x = _ramp(2000)
    p.start_stream(8000)
    p.append(x[:600])
    p.play()
    assert p.streaming and p.state == "playing"
    fake.pump(2)  # 512 of 600 played
    p.append(x[600:1500])
    fake.pump(2)
    p.append(x[1500:])
    p.end_stream()
    fake.pump_all()
    played = fake.played_audio()[:, 0]
    np.testing.assert_array_equal(played[:2000], x)
    assert np.all(played[2000:] == 0) and p.underruns == 0
    assert p.state == "stopped" and p.finished_count == 1 and p.duration == pytest.approx(0.25)


def test_player_stream_underrun_plays_silence_and_keeps_going():
    from glmtts_desktop.audio.player import FADE_S

    fake = FakeBackend()
    p = Player(fake, blocksize=256)
    x = _ramp(1000)
    p.start_stream(8000)
    p.append(x[:300])
    p.play()
    fake.pump(3)  # runs dry in the second block: silence, still playing
    assert p.state == "playing" and p.underruns >= 1 and p.finished_count == 0
    p.append(x[300:])
    p.end_stream()
    fake.pump_all()
    played = fake.played_audio()[:, 0]
    fade = int(FADE_S * 8000)  # faded out before the gap and in after it (tests/audio/test_stream_buffer)
    np.testing.assert_array_equal(played[: 300 - fade], x[: 300 - fade])
    resumed = played[300:]
    start = int(np.argmax(resumed > 0)) - 1  # the fade-in's first sample is 0
    np.testing.assert_array_equal(resumed[start + fade : start + 700], x[300 + fade :])
    assert p.state == "stopped" and p.finished_count == 1


def test_player_append_without_stream_is_refused():
    from glmtts_desktop.audio.errors import InvalidAudioError

    p = Player(FakeBackend())
    p.load(np.zeros(10, np.float32), 8000)
    with pytest.raises(InvalidAudioError):
        p.append(np.zeros(5, np.float32))
