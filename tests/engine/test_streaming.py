"""Streaming: chunks arrive while the LLM still generates, joins are seamless, lengths exact."""

from __future__ import annotations

import numpy as np
import pytest

from glmtts_desktop.engine import SynthesisRequest
from glmtts_desktop.engine.flow import flow_frames
from glmtts_desktop.engine.streaming import Stitcher, StreamSchedule
from tests.conftest import voice_like

SR_IN = 16000
SMALL = StreamSchedule(sizes=(4, 8, 10_000), lookahead_tokens=2, fade_s=0.01)  # two chunks, then the rest


@pytest.fixture(scope="module")
def voice(tiny_engine):
    return tiny_engine.prepare_voice(voice_like(3.0, SR_IN), SR_IN, "Hello there, this is my voice.")


@pytest.fixture
def small_schedule(tiny_engine):
    before = tiny_engine.stream_schedule
    tiny_engine.stream_schedule = SMALL
    yield
    tiny_engine.stream_schedule = before


def _runs(n_runs: int, sr: int = 24000):
    """Renderings of a growing 220 Hz tone; each earlier run differs a little (phase, level)
    from the final one, like a flow re-run on fewer tokens."""
    t = np.arange(sr * 2) / sr
    final = 0.5 * np.sin(2 * np.pi * 220 * t).astype(np.float32)
    runs = []
    for k in range(1, n_runs):
        n = len(final) * k // n_runs
        runs.append((0.45 + 0.02 * k) * np.sin(2 * np.pi * 220 * t[:n] + 0.3 * k).astype(np.float32))
    return runs, final


def test_stitched_stream_is_gap_free_and_as_long_as_the_final_run():
    runs, final = _runs(5)
    st = Stitcher(fade=240)
    pieces = [st.push(w, len(w) - 480) for w in runs] + [st.finish(final)]
    stream = np.concatenate(pieces)
    assert len(stream) == len(final)
    own_jump = max(np.abs(np.diff(w)).max() for w in [*runs, final])  # the signals' own largest step
    borders = np.cumsum([len(p) for p in pieces])[:-1]
    assert len(borders) == 4
    for b in borders:
        assert abs(stream[b] - stream[b - 1]) <= own_jump * 1.01
    # the whole stream, crossfades included, steps no more than the tones themselves (+ the fade slope)
    assert np.abs(np.diff(stream)).max() <= own_jump * 1.05  # a hard cut here would jump ~5x
    # after the last join the stream is the final run exactly
    np.testing.assert_array_equal(stream[borders[-1] + 240 :], final[borders[-1] + 240 :])


def test_identical_runs_stitch_to_the_same_signal():
    _, final = _runs(2)
    st = Stitcher(fade=100)
    pieces = [st.push(final[:n], n - 300) for n in (5000, 5001, 12000, 30000)] + [st.finish(final)]
    np.testing.assert_allclose(np.concatenate(pieces), final, atol=1e-6)


def test_first_chunk_arrives_before_the_segment_llm_finishes(tiny_engine, voice, small_schedule):
    events: list[tuple] = []
    pieces: list[np.ndarray] = []

    def on_chunk(audio, n):
        events.append(("chunk", n))
        pieces.append(audio)

    result = tiny_engine.synthesize(
        SynthesisRequest(text="Good morning, streaming.", voice=voice, seed=3),
        on_progress=lambda p: events.append((p.stage, p.segment)),
        on_chunk=on_chunk,
    )
    first_chunk = events.index(("chunk", 0))
    last_llm = max(i for i, e in enumerate(events) if e == ("llm", 0))
    assert first_chunk < last_llm, "no audio was delivered while the LLM was still generating"
    assert len(pieces) >= 3 and [e[1] for e in events if e[0] == "chunk"] == list(range(len(pieces)))
    stream = np.concatenate(pieces)
    np.testing.assert_array_equal(stream, result.audio)
    seg = result.segments[0]
    frames = flow_frames(len(voice.speech_ids) + seg.n_speech_tokens) - voice.mel.shape[0]
    assert len(stream) == seg.n_samples == frames * 480
    assert result.timings["first_audio"] > 0


def test_streamed_segment_matches_its_offline_rendering_outside_the_joins(tiny_engine, voice, small_schedule):
    tokens = list(
        tiny_engine.generate_tokens(
            voice.prompt_text_ids, tiny_engine.tokenize("streaming"), voice.speech_ids
        )
    )
    tokens = (tokens * 8)[:40]
    delivered: list[np.ndarray] = []
    stream = tiny_engine._segment_stream(
        voice, SynthesisRequest(text="x", voice=voice, seed=1), 4, delivered.append, _zero_timings(), None
    )
    for i in range(1, len(tokens) + 1):
        stream.on_tokens(tokens[:i])
    streamed = stream.finish(tokens)
    offline = stream.final_wav
    assert len(streamed) == len(offline) and len(delivered) >= 3
    own_jump = np.abs(np.diff(offline)).max()
    borders = np.cumsum([len(p) for p in delivered])[:-1]
    assert max(abs(streamed[b] - streamed[b - 1]) for b in borders) <= own_jump
    # the last piece starts with a crossfade into the offline rendering, then is the offline rendering
    last = borders[-1] + round(SMALL.fade_s * 24000)
    np.testing.assert_array_equal(streamed[last:], offline[last:])


def _zero_timings():
    return {"text": 0.0, "llm": 0.0, "flow": 0.0, "vocoder": 0.0}
