"""A process killed while recording keeps what it recorded, and the next start finds it: the
child records from the fake backend, waits until the samples are flushed to disk, says so on
stdout and blocks; the parent kills it only then (a pipe handshake, no timing)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from glmtts_desktop.audio.fake import FakeBackend
from glmtts_desktop.audio.recorder import Recorder
from glmtts_desktop.audio.takes import finish_take, marker_path, unfinished_takes

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

CHILD = textwrap.dedent(
    """
    import sys
    import numpy as np
    from glmtts_desktop.audio.fake import FakeBackend
    from glmtts_desktop.audio.recorder import Recorder

    signal = (0.3 * np.sin(np.arange(48000 * 3) / 7.0)).astype(np.float32)
    backend = FakeBackend(signal)
    rec = Recorder(backend, sys.argv[1], sample_rate=48000, blocksize=1024)
    rec.start()
    backend.pump(40)  # 40 blocks of the signal reach the recorder
    assert rec.sync(30)  # ...and are written and flushed to the take file
    print("ready", rec.frames_written, flush=True)
    sys.stdin.read()  # the parent never writes: we wait here until killed
    """
)


def _signal() -> np.ndarray:
    return (0.3 * np.sin(np.arange(48000 * 3) / 7.0)).astype(np.float32)


def test_a_recording_killed_midway_is_found_and_readable(tmp_path):
    take = tmp_path / "takes" / "take-20260101-120000.wav"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(take)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        line = child.stdout.readline()  # blocks until the child flushed its samples (or died)
        assert line.startswith("ready"), child.stderr.read()
        frames = int(line.split()[1])
        assert frames == 40 * 1024
        # still recording (in another process): not offered as unfinished
        assert unfinished_takes(take.parent) == []
        child.send_signal(signal.SIGKILL)
        assert child.wait() == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.stdin.close()
        child.stdout.close()
        child.stderr.close()
    [found] = unfinished_takes(take.parent)
    assert found.path == take and found.sample_rate == 48000
    assert round(found.seconds * 48000) == frames
    audio, sr = sf.read(take, dtype="float32")
    assert sr == 48000 and len(audio) == frames
    np.testing.assert_allclose(audio, _signal()[:frames], atol=1e-6)  # 24-bit PCM
    assert finish_take(found, keep=True) == take
    assert take.is_file() and not marker_path(take).exists()
    assert unfinished_takes(take.parent) == []


def test_a_stopped_recording_is_not_unfinished_and_an_empty_one_is_dropped(tmp_path):
    backend = FakeBackend(_signal())
    done = tmp_path / "take-done.wav"
    rec = Recorder(backend, done)
    rec.start()
    assert marker_path(done).exists()
    backend.pump(5)
    rec.stop()
    assert not marker_path(done).exists() and unfinished_takes(tmp_path) == []
    empty = tmp_path / "take-empty.wav"
    empty.write_bytes(b"")
    marker_path(empty).write_bytes(b"")  # as a process killed before writing anything leaves it
    [found] = unfinished_takes(tmp_path)
    assert found.seconds == 0.0 and finish_take(found, keep=True) is None
    assert not empty.exists() and not marker_path(empty).exists() and done.is_file()
