"""The result panel plays a generation while it is streamed, and the finished result does not
interrupt it (the stream already is that audio)."""

from __future__ import annotations

import numpy as np

from glmtts_desktop.audio import FakeBackend, Player
from glmtts_desktop.gui.panels.result_panel import ResultPanel


def _panel(qtbot):
    backend = FakeBackend()
    panel = ResultPanel(Player(backend, blocksize=240))
    qtbot.addWidget(panel)
    return panel, backend


def test_first_chunk_plays_at_once_and_the_result_keeps_playing(qtbot):
    panel, backend = _panel(qtbot)
    sr = 24000
    audio = (0.5 * np.sin(np.arange(7200) / 10.0)).astype(np.float32)
    chunks = [audio[:2400], audio[2400:4800], audio[4800:]]
    panel.stream_chunk(chunks[0], sr, 0)
    assert panel.player.state == "playing" and panel.player.streaming
    backend.pump(4)  # 960 samples heard before the rest exists
    panel.stream_chunk(chunks[1], sr, 1)
    backend.pump(4)
    panel.stream_chunk(chunks[2], sr, 2)
    position = panel.player.position
    panel.show_audio(audio, sr)  # the job finished: same audio as the stream
    assert panel.player.state == "playing" and panel.player.position == position
    assert not panel.player.streaming
    backend.pump_all()
    played = backend.played_audio()[:, 0]
    np.testing.assert_array_equal(played[: len(audio)], audio)
    assert panel.player.underruns == 0 and panel.player.finished_count == 1


def test_another_result_replaces_the_stream(qtbot):
    panel, backend = _panel(qtbot)
    panel.stream_chunk(np.full(2400, 0.1, np.float32), 24000, 0)
    other = np.full(4800, 0.2, np.float32)
    panel.show_audio(other, 24000)  # e.g. a history entry: loaded, stopped
    assert panel.player.state == "stopped" and not panel.player.streaming
    assert panel.player.duration == 0.2


def test_slow_stream_shows_buffering_then_plays(qtbot):
    """Chunks come at half real time (the test moves the clock): the panel says "Buffering…" and
    plays nothing; once enough is in, the label goes and the audio plays from its start."""
    now = [0.0]
    backend = FakeBackend()
    panel = ResultPanel(Player(backend, blocksize=240, clock=lambda: now[0]))
    qtbot.addWidget(panel)
    panel.show()
    sr = 24000
    audio = (0.5 * np.sin(np.arange(3 * sr) / 10.0)).astype(np.float32)
    panel.stream_pending(expected_s=3.0)  # the job starts at t = 0
    now[0] = 1.0
    panel.stream_chunk(audio[: sr // 2], sr, 0)
    backend.pump(10)
    assert panel.player.state == "playing"
    qtbot.waitUntil(lambda: panel.buffering_label.isVisible())
    assert not np.any(backend.played_audio())
    now[0] = 2.0
    panel.stream_chunk(audio[sr // 2 :], sr, 1)  # the rest, at real time on average
    backend.pump(10)
    qtbot.waitUntil(lambda: not panel.buffering_label.isVisible())
    played = backend.played_audio()[:, 0]
    start = int(np.flatnonzero(played)[0])
    np.testing.assert_array_equal(played[start : start + 2000], audio[1 : 1 + 2000])
