"""The jitter buffer's start policy (fake clock) and the player's underrun pause/resume
(fake backend): no sleeps, time is advanced by the test."""

from __future__ import annotations

import numpy as np
import pytest

from glmtts_desktop.audio import FakeBackend, Player
from glmtts_desktop.audio.player import FADE_S
from glmtts_desktop.audio.stream_buffer import StreamBuffer, chosen_start_delay

TOKEN_S = 0.04  # one speech token = 40 ms of audio
SCHEDULE = [12, 25, 50, 100, 200, 200, 200, 200]  # the engine's chunk sizes, in tokens


def arrivals(rtf: float, overhead_s: float, first_extra_s: float = 0.3) -> list[tuple[float, float]]:
    """A producer that needs ``rtf`` wall seconds per audio second plus a fixed render overhead
    per chunk (like a window re-rendering the prompt): (arrival time, chunk seconds)."""
    t = first_extra_s
    out = []
    for n in SCHEDULE:
        secs = n * TOKEN_S
        t += secs * rtf + overhead_s
        out.append((t, secs))
    return out


def runs_dry(schedule: list[tuple[float, float]], start: float) -> float:
    """Longest wait (s) of a playback started at ``start`` that never pauses: each chunk must
    have arrived when playback reaches it."""
    played = 0.0
    worst = 0.0
    for at, secs in schedule:
        worst = max(worst, at - (start + played))
        played += secs
    return worst


def total(schedule: list[tuple[float, float]]) -> float:
    return sum(s for _, s in schedule)


@pytest.mark.parametrize("rtf,overhead,extra", [(0.2, 0.01, 0.0), (0.1, 0.02, 0.05), (0.3, 0.0, 0.0)])
def test_fast_production_starts_at_once(rtf, overhead, extra):
    """Several times real time (a GPU): no wait, and no gap either."""
    schedule = arrivals(rtf, overhead, first_extra_s=extra)
    assert chosen_start_delay(schedule, total(schedule)) == 0.0
    assert runs_dry(schedule, schedule[0][0]) <= 0


@pytest.mark.parametrize(
    "rtf,overhead",
    [
        (0.4, 0.5),
        (1.3, 0.0),
        (0.9, 0.4),
        (2.0, 0.2),
        (0.9, 0.0),
        (0.4, 1.0),
        (0.6, 1.0),
        (0.95, 2.0),
        (0.2, 3.0),
    ],
)
def test_slow_production_waits_just_enough_to_never_run_dry(rtf, overhead):
    schedule = arrivals(rtf, overhead)
    first = schedule[0][0]
    assert runs_dry(schedule, first) > 0  # starting at once would gap
    delay = chosen_start_delay(schedule, total(schedule))
    assert delay > 0
    assert runs_dry(schedule, first + delay) <= 0  # the chosen start never runs dry
    # ...and it does not wait for the whole job
    assert first + delay < schedule[-1][0]


def test_unknown_length_assumes_as_much_again():
    now = [0.0]
    buf = StreamBuffer(lambda: now[0])
    buf.start(None)
    now[0] = 2.0
    buf.delivered(1.0)  # half real time
    assert buf.remaining_s() == 1.0
    assert not buf.ready(0.0)
    buf.finish()
    assert buf.ready(0.0)


def _sine(n: int, sr: int) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * 220 * np.arange(n) / sr)).astype(np.float32)


@pytest.mark.parametrize("cut", [2500, 2400])  # runs dry inside a block / exactly at its end
def test_underrun_pauses_with_a_fade_and_resumes_where_it_stopped(cut):
    sr, block = 24000, 240
    now = [0.0]
    backend = FakeBackend()
    player = Player(backend, blocksize=block, clock=lambda: now[0])
    audio = _sine(sr, sr)
    first, second = audio[:cut], audio[cut:]
    player.start_stream(sr, expected_s=0.2)  # a fast producer: starts at once
    now[0] = 0.01
    player.append(first)
    player.play()
    backend.pump(12)  # 2880 samples asked, fewer there
    assert player.underruns == 1 and player.buffering
    assert player.position == pytest.approx(cut / sr)
    backend.pump(3)  # waiting: silence, the play head does not move
    assert player.position == pytest.approx(cut / sr)
    now[0] = 0.05
    player.append(second)
    player.end_stream()
    backend.pump_all()
    assert not player.buffering and player.finished_count == 1 and player.underruns == 1
    played = backend.played_audio()[:, 0]
    fade = int(FADE_S * sr)
    # before the underrun: the audio as it was, then a fade to silence (no click)
    np.testing.assert_array_equal(played[: cut - fade], first[: cut - fade])
    assert played[cut - 1] == 0.0
    assert not np.any(played[cut : 15 * block])  # silence while waiting
    steps = np.abs(np.diff(played))
    assert steps.max() <= np.abs(np.diff(audio)).max() * 1.01  # no jump anywhere
    # after the wait (block 15): the very next source sample on, faded in, then unchanged
    heard = played[15 * block : 15 * block + len(second)]
    assert len(heard) == len(second)
    ramp = np.arange(fade, dtype=np.float32) / fade
    np.testing.assert_allclose(heard[:fade], second[:fade] * ramp, atol=1e-6)
    np.testing.assert_array_equal(heard[fade:], second[fade:])


def test_slow_stream_waits_before_the_first_sample():
    sr, block = 24000, 240
    now = [0.0]
    backend = FakeBackend()
    player = Player(backend, blocksize=block, clock=lambda: now[0])
    audio = _sine(sr * 3, sr)
    player.start_stream(sr, expected_s=3.0)
    now[0] = 1.0
    player.append(audio[: sr // 2])  # half real time
    player.play()
    backend.pump(20)
    assert player.buffering and player.position == 0.0
    assert not np.any(backend.played_audio())
    now[0] = 2.0
    player.append(audio[sr // 2 : 2 * sr])  # now 2 s in 2 s: real time, starts
    backend.pump(1)
    assert not player.buffering and player.position > 0


def test_production_model_separates_the_fixed_cost_per_chunk():
    """A producer with a fixed 0.5 s per chunk plus 0.4 s per audio second (a window's prompt
    re-render plus the real work): the fit finds both, so it does not treat the dear short
    first chunks as the speed of the long later ones."""
    schedule = arrivals(0.4, 0.5)
    now = [0.0]
    buf = StreamBuffer(lambda: now[0])
    buf.start(total(schedule))
    for at, secs in schedule[:2]:
        now[0] = at
        buf.delivered(secs)
    assert buf.production_model() is None  # one interval: cannot tell the parts apart
    for at, secs in schedule[2:4]:
        now[0] = at
        buf.delivered(secs)
    model = buf.production_model()
    assert model is not None
    assert model == pytest.approx((0.5, 0.4))
    # the start chosen with the fit never runs dry
    first = schedule[0][0]
    fitted = chosen_start_delay(schedule, total(schedule))
    assert runs_dry(schedule, first + fitted) <= 0
