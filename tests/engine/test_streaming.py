"""Streaming: chunks arrive while the LLM still generates, each render is a bounded window,
joins are seamless, lengths exact, and the overlapped (worker-thread) lane keeps the LLM going."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from glmtts_desktop.engine import SynthesisRequest
from glmtts_desktop.engine.flow import flow_frames
from glmtts_desktop.engine.streaming import Stitcher, StreamSchedule
from tests.conftest import voice_like

SR_IN = 16000
SMALL = StreamSchedule(sizes=(4, 8, 10_000), lookahead_tokens=2, fade_s=0.04)  # two chunks, then the rest


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
    """Windows of a growing 220 Hz tone; each earlier window differs a little (phase, level)
    from the final one, like a flow window rendered with less context."""
    t = np.arange(sr * 2) / sr
    final = 0.5 * np.sin(2 * np.pi * 220 * t).astype(np.float32)
    runs = []
    for k in range(1, n_runs):
        n = len(final) * k // n_runs
        runs.append((0.45 + 0.02 * k) * np.sin(2 * np.pi * 220 * t[:n] + 0.3 * k).astype(np.float32))
    return runs, final


def test_stitched_windows_are_gap_free_and_as_long_as_the_signal():
    runs, final = _runs(5)
    st = Stitcher(fade=240)
    pieces = []
    for w in runs:  # each window starts 1000 rows before what was delivered (left context)
        start = max(0, st.emitted - 1000)
        pieces.append(st.push(start, w[start:], len(w) - 480))
    start = st.emitted - 1000
    pieces.append(st.finish(start, final[start:]))
    stream = np.concatenate(pieces)
    assert len(stream) == len(final)
    own_jump = max(np.abs(np.diff(w)).max() for w in [*runs, final])  # the signals' own largest step
    borders = np.cumsum([len(p) for p in pieces])[:-1]
    assert len(borders) == 4
    for b in borders:
        assert abs(stream[b] - stream[b - 1]) <= own_jump * 1.01
    # the whole stream, crossfades included, steps no more than the tones themselves (+ the fade slope)
    assert np.abs(np.diff(stream)).max() <= own_jump * 1.05  # a hard cut here would jump ~5x
    # after the last join the stream is the final window exactly
    np.testing.assert_array_equal(stream[borders[-1] + 240 :], final[borders[-1] + 240 :])


def test_identical_windows_stitch_to_the_same_signal_rows_of_mel_too():
    _, final = _runs(2)
    mel = np.stack([final, -final], axis=1)  # (rows, 2): the mel is stitched by frames
    st = Stitcher(fade=100)
    pieces = []
    for n in (5000, 5001, 12000, 30000):
        start = max(0, st.emitted - 700)
        pieces.append(st.push(start, mel[start:n], n - 300))
    pieces.append(st.finish(st.emitted - 50, mel[st.emitted - 50 :]))
    np.testing.assert_allclose(np.concatenate(pieces), mel, atol=1e-6)


def test_a_window_that_starts_after_the_delivered_rows_is_refused():
    st = Stitcher(fade=10)
    st.push(0, np.ones(100, np.float32), 80)
    with pytest.raises(ValueError, match="cannot continue"):
        st.push(75, np.ones(100, np.float32), 170)  # rows 70..74 (held for the fade) are missing


def _stream(engine, voice, tokens, seed=1, **kw):
    delivered: list[np.ndarray] = []
    timings = {"text": 0.0, "llm": 0.0, "flow": 0.0, "vocoder": 0.0}
    stream = engine._segment_stream(
        voice, SynthesisRequest(text="x", voice=voice, seed=seed), delivered.append, timings, None
    )
    try:
        for i in range(1, len(tokens) + 1):
            stream.on_tokens(tokens[:i])
        streamed = stream.finish(tokens)
    finally:
        stream.close()
    return stream, delivered, streamed


def test_first_chunk_arrives_before_the_segment_llm_finishes(tiny_engine, voice, small_schedule):
    events: list[tuple] = []
    pieces: list[np.ndarray] = []
    steps_at_first_chunk: list[int] = []

    def on_chunk(audio, n):
        if n == 0:
            steps_at_first_chunk.append(sum(1 for e in events if e[0] == "llm"))
        events.append(("chunk", n))
        pieces.append(audio)

    result = tiny_engine.synthesize(
        SynthesisRequest(text="Good morning, streaming.", voice=voice, seed=3),
        on_progress=lambda p: events.append((p.stage, p.segment)),
        on_chunk=on_chunk,
    )
    seg = result.segments[0]
    # the first chunk came after a few LLM steps, long before the segment's last token
    assert steps_at_first_chunk and steps_at_first_chunk[0] < seg.n_speech_tokens // 2
    assert len(pieces) >= 3 and [e[1] for e in events if e[0] == "chunk"] == list(range(len(pieces)))
    stream = np.concatenate(pieces)
    np.testing.assert_array_equal(stream, result.audio)
    frames = flow_frames(len(voice.speech_ids) + seg.n_speech_tokens) - voice.mel.shape[0]
    assert len(stream) == seg.n_samples == frames * 480  # exactly the offline length
    assert result.timings["first_audio"] > 0


def test_streamed_segment_matches_the_whole_rendering_and_joins_are_seamless(tiny_engine, voice):
    rng = np.random.default_rng(5)
    tokens = [int(t) for t in rng.integers(0, tiny_engine.tokenizer.n_audio_tokens, 120)]
    stream, delivered, streamed = _stream(tiny_engine, voice, tokens)
    whole = stream.render_reference(tokens)
    assert len(streamed) == len(whole) and len(delivered) >= 4
    own_jump = np.abs(np.diff(whole)).max()
    borders = np.cumsum([len(p) for p in delivered])[:-1]
    assert max(abs(streamed[b] - streamed[b - 1]) for b in borders) <= own_jump
    # every flow window rendered its frames as the whole rendering does (same tokens, positions,
    # noise): what is left is the windowing itself, far below the mel's own size
    whole_mel = stream.render_mel(tokens, 0, len(stream.mel))
    assert stream.mel.shape == whole_mel.shape
    assert np.abs(stream.mel - whole_mel).mean() < 0.02 * np.abs(whole_mel).mean()


def test_hift_windows_continue_the_phase_and_noise_of_the_whole_rendering():
    """A HiFT window that starts mid-utterance gives the whole rendering's samples once past its
    context (the tiny engine's quiet vocoder hides this, so a default-initialised one is used)."""
    import torch

    from glmtts_desktop.engine.vocoder.base import HiftVocoder
    from glmtts_desktop.engine.vocoder.hift import HiFT, HiftSizes
    from glmtts_desktop.engine.vocoder.hift_layers import fold_weight_norm

    torch.manual_seed(0)
    model = HiFT(HiftSizes(base_channels=32, f0_channels=32)).eval()
    fold_weight_norm(model)
    with torch.no_grad():  # a voiced F0 around 150 Hz that moves with the mel: harmonics are made
        model.f0_predictor.classifier.weight.mul_(200.0)
        model.f0_predictor.classifier.bias.fill_(150.0)
    vocoder = HiftVocoder(model)
    mel = torch.randn(1, 80, 200) * 2 - 5
    whole = vocoder.open_stream(7)(mel, 0)[0].numpy()
    windows = vocoder.open_stream(7)
    windows(mel[:, :, :120], 0)
    start = 120 - windows.holdback_frames - windows.context_frames
    later = windows(mel[:, :, start:], start)[0].numpy()
    keep = windows.context_frames * 480  # the samples a stream keeps from this window
    f0 = model.f0_predictor(mel).detach()
    assert float(f0.min()) > 50 and float(f0.std()) > 1  # voiced, and not a constant pitch
    diff = np.abs(later[keep:] - whole[start * 480 + keep :]).mean()
    assert diff < 1e-3 * np.abs(whole).mean()


def test_each_render_gets_a_bounded_window_whatever_the_segment_length(tiny_engine, voice, monkeypatch):
    """The flow and the vocoder are called with inputs bounded by the window, not the segment."""
    flow_frames_seen: list[int] = []
    real = tiny_engine.flow.synthesize_frames

    def recording(frame_tokens, *args, **kwargs):
        flow_frames_seen.append(int(frame_tokens.shape[-1]))
        return real(frame_tokens, *args, **kwargs)

    monkeypatch.setattr(tiny_engine.flow, "synthesize_frames", recording)
    sched = tiny_engine.stream_schedule
    tp = voice.mel.shape[0]
    rng = np.random.default_rng(6)
    most: dict[int, tuple[int, int, int]] = {}
    p = len(voice.speech_ids)
    # lengths where the release's rounding gives 2L - 1 frames, so a window that ends on 2L is caught
    odd = [next(n for n in range(lo, lo + 400) if flow_frames(p + n) == 2 * (p + n) - 1) for lo in (300, 600)]
    for n in odd:
        flow_frames_seen.clear()
        tokens = [int(t) for t in rng.integers(0, tiny_engine.tokenizer.n_audio_tokens, n)]
        stream, _, streamed = _stream(tiny_engine, voice, tokens)
        assert len(streamed) == (flow_frames(len(voice.speech_ids) + n) - tp) * 480
        vocoder_frames = [end - start for stage, start, end in stream.windows if stage == "vocoder"]
        most[n] = (max(flow_frames_seen), max(vocoder_frames), len(flow_frames_seen))
    # prompt + 1 s context + fade + the largest chunk (the last one may hold up to a chunk more
    # before the end) + the look-ahead and the fades' delay: fixed by the schedule, not by n
    bound = tp + 50 + 5 + 2 * (2 * max(sched.sizes) + sched.lookahead_tokens + 10)
    for n, (flow_most, vocoder_most, _) in most.items():
        assert flow_most <= bound, f"a flow window of {flow_most} frames for {n} tokens"
        assert vocoder_most <= bound - tp, f"a vocoder window of {vocoder_most} frames for {n} tokens"
    assert most[odd[1]][2] > most[odd[0]][2] + 1  # the longer segment took more windows, not bigger ones


def test_worker_lane_lets_the_llm_go_on_while_a_chunk_renders(
    tiny_engine, voice, small_schedule, monkeypatch
):
    """The overlapped lane (a CUDA stream on a GPU; here the same code with no stream): while the
    first chunk's render is held, the LLM keeps generating; everything still arrives in order,
    from another thread, with the offline length."""
    gate = threading.Event()
    render_threads: set[int] = set()
    steps = [0]
    steps_when_released: list[int] = []
    real = tiny_engine.flow.synthesize_frames

    def held(*args, **kwargs):
        render_threads.add(threading.get_ident())
        if not gate.is_set():
            gate.wait(timeout=60)  # a safety net only: the LLM releases it below
            steps_when_released.append(steps[0])
        return real(*args, **kwargs)

    def on_progress(p):
        if p.stage == "llm":
            steps[0] += 1
            if steps[0] == 40:  # far past the first chunk's boundary (token 11)
                gate.set()

    monkeypatch.setattr(tiny_engine.flow, "synthesize_frames", held)
    monkeypatch.setattr(tiny_engine, "stream_overlap", True)
    pieces: list[np.ndarray] = []
    try:
        result = tiny_engine.synthesize(
            SynthesisRequest(text="Good morning, streaming, once again here.", voice=voice, seed=3),
            on_progress=on_progress,
            on_chunk=lambda a, n: pieces.append(a),
        )
    finally:
        gate.set()
    assert steps_when_released and steps_when_released[0] >= 40, "the LLM waited for the render"
    assert threading.get_ident() not in render_threads
    seg = result.segments[0]
    np.testing.assert_array_equal(np.concatenate(pieces), result.audio)
    frames = flow_frames(len(voice.speech_ids) + seg.n_speech_tokens) - voice.mel.shape[0]
    assert len(result.audio) == frames * 480


def test_worker_lane_hands_a_render_error_to_the_caller_and_stops(
    tiny_engine, voice, small_schedule, monkeypatch
):
    def broken(*args, **kwargs):
        raise MemoryError("render failed")

    monkeypatch.setattr(tiny_engine.flow, "synthesize_frames", broken)
    monkeypatch.setattr(tiny_engine, "stream_overlap", True)
    before = {t.ident for t in threading.enumerate()}
    with pytest.raises(Exception) as info:
        tiny_engine.synthesize(
            SynthesisRequest(text="Good morning, streaming.", voice=voice, seed=3), on_chunk=lambda a, n: None
        )
    assert "render failed" in str(info.value) or "memory" in str(info.value).lower()
    assert {t.ident for t in threading.enumerate() if t.name == "glmtts-stream-render"} <= before
