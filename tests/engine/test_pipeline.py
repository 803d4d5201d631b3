"""The whole engine on the tiny random checkpoint: shapes, framing, seeds, cancel, bad input."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from glmtts_desktop.engine import CancelToken, SynthesisRequest, VoicePrompt
from glmtts_desktop.engine.errors import ReferenceAudioError, SynthesisCancelled, TextInputError
from glmtts_desktop.errors import InvalidInputError
from tests.conftest import voice_like

SR_IN = 16000


@pytest.fixture(scope="module")
def voice(tiny_engine):
    return tiny_engine.prepare_voice(voice_like(3.0, SR_IN), SR_IN, "Hello there, this is my voice.")


def test_prepare_voice_matches_the_official_framing(tiny_engine, voice):
    # 25 Hz tokens: ceil(N16k / 640); mel at 50 frames/s: floor(N_out / hop)
    assert len(voice.speech_ids) == int(np.ceil(3.0 * SR_IN / 640))
    assert voice.mel.shape == (int(3.0 * tiny_engine.sample_rate) // 480, 80)
    assert voice.embedding.shape == (192,)
    assert voice.speech_ids.min() >= 0 and voice.speech_ids.max() < tiny_engine.tokenizer.n_audio_tokens
    # the transcript tokens end with the official trailing space
    assert tiny_engine.tokenizer.decode(list(voice.prompt_text_ids)).endswith(" ")


def test_voice_prompt_survives_serialisation(voice):
    again = VoicePrompt.from_bytes(voice.to_bytes())
    assert again.transcript == voice.transcript
    np.testing.assert_array_equal(again.speech_ids, voice.speech_ids)
    np.testing.assert_array_equal(again.mel, voice.mel)


def test_synthesis_length_follows_the_flow_framing(tiny_engine, voice):
    from glmtts_desktop.engine.flow import flow_frames

    result = tiny_engine.synthesize(SynthesisRequest(text="Good morning.", voice=voice, seed=1))
    assert result.sample_rate == 24000 and result.audio.dtype == np.float32
    assert len(result.segments) == 1
    seg = result.segments[0]
    total_frames = flow_frames(len(voice.speech_ids) + seg.n_speech_tokens)
    assert seg.n_samples == (total_frames - voice.mel.shape[0]) * 480
    assert len(result.audio) == seg.n_samples
    assert np.max(np.abs(result.audio)) <= 1.0
    assert 2 * seg.n_text_tokens <= seg.n_speech_tokens <= 20 * seg.n_text_tokens


def test_same_seed_same_audio_and_another_seed_differs(tiny_engine, voice):
    req = SynthesisRequest(text="Seeds make it repeatable.", voice=voice, seed=7)
    a = tiny_engine.synthesize(req).audio
    b = tiny_engine.synthesize(req).audio
    c = tiny_engine.synthesize(SynthesisRequest(text=req.text, voice=voice, seed=8)).audio
    np.testing.assert_array_equal(a, b)
    assert a.shape != c.shape or not np.array_equal(a, c)


def test_long_text_is_segmented_and_reported(tiny_engine, voice):
    text = "这是第一句话，我们用它来测试分段。" * 3
    seen = []
    result = tiny_engine.synthesize(
        SynthesisRequest(text=text, voice=voice, method="greedy"),
        on_progress=seen.append,
        on_chunk=lambda wav, i: seen.append(("chunk", i, len(wav))),
    )
    assert len(result.segments) == len(tiny_engine.normalize(text)) > 1
    chunks = [s for s in seen if isinstance(s, tuple)]
    assert [c[1] for c in chunks] == list(range(len(chunks))) and len(chunks) >= len(result.segments)
    assert sum(c[2] for c in chunks) == len(result.audio)
    fractions = [p.fraction for p in seen if not isinstance(p, tuple)]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_cancel_from_a_progress_callback_stops_the_job(tiny_engine, voice):
    token = CancelToken()

    def progress(p):
        if p.stage == "llm":
            token.cancel()

    with pytest.raises(SynthesisCancelled):
        tiny_engine.synthesize(
            SynthesisRequest(text="Stop me.", voice=voice), on_progress=progress, cancel=token
        )


def test_flow_with_given_noise_is_deterministic(tiny_engine, voice):
    from glmtts_desktop.engine.flow import flow_frames

    tokens = np.arange(20) % tiny_engine.tokenizer.n_audio_tokens
    frames = flow_frames(len(voice.speech_ids) + len(tokens))
    noise = np.random.default_rng(0).standard_normal((frames, 80)).astype(np.float32)
    a = tiny_engine.tokens_to_mel(tokens, voice.speech_ids, voice.mel, voice.embedding, noise=noise)
    b = tiny_engine.tokens_to_mel(tokens, voice.speech_ids, voice.mel, voice.embedding, noise=noise, seed=99)
    assert a.shape == (80, frames - voice.mel.shape[0])
    np.testing.assert_array_equal(a, b)


def test_stage_functions_have_the_documented_shapes(tiny_engine):
    ids = tiny_engine.tokenize("hello")
    assert ids and all(isinstance(i, int) for i in ids)
    logits = tiny_engine.llm_logits(ids)
    assert logits.shape == (tiny_engine.llm_vocab_size,) and np.isfinite(logits).all()
    wav = tiny_engine.vocode(np.zeros((80, 10), np.float32))
    assert wav.shape == (10 * 480,)


@pytest.mark.parametrize(
    "audio, message",
    [
        (np.zeros(0, np.float32), "empty"),
        (np.zeros(3 * SR_IN, np.float32), "silent"),
        (voice_like(1.0, SR_IN), "too short"),
    ],
)
def test_bad_reference_audio_is_refused_with_a_reason(tiny_engine, audio, message):
    with pytest.raises(ReferenceAudioError, match=message):
        tiny_engine.prepare_voice(audio, SR_IN, "text")


def test_long_reference_is_trimmed_with_a_warning(tiny_engine, caplog):
    with caplog.at_level(logging.WARNING):
        voice = tiny_engine.prepare_voice(voice_like(31.0, SR_IN), SR_IN, "long")
    assert "first 30 s" in caplog.text
    assert abs(voice.duration_s - 30.0) < 1e-6


def test_missing_transcript_warns(tiny_engine, caplog):
    with caplog.at_level(logging.WARNING):
        voice = tiny_engine.prepare_voice(voice_like(2.5, SR_IN), SR_IN, "  ")
    assert "transcript" in caplog.text and len(voice.prompt_text_ids) == 0


def test_empty_text_and_wrong_rate_voice_are_refused(tiny_engine, voice):
    with pytest.raises(TextInputError):
        tiny_engine.synthesize(SynthesisRequest(text="   ", voice=voice))
    other = VoicePrompt.from_bytes(voice.to_bytes())
    object.__setattr__(other, "sample_rate", 32000)
    with pytest.raises(InvalidInputError, match="32000"):
        tiny_engine.synthesize(SynthesisRequest(text="hi", voice=other))


def test_32k_output(tiny_checkpoint):
    from glmtts_desktop.engine import Engine, EngineConfig

    engine = Engine.load(EngineConfig(tiny_checkpoint, device="cpu", sample_rate=32000))
    voice = engine.prepare_voice(voice_like(2.5, 44100), 44100, "Thirty two kilohertz.")
    assert voice.mel.shape[0] == int(2.5 * 32000) // 640
    result = engine.synthesize(SynthesisRequest(text="Hi.", voice=voice, method="greedy"))
    assert result.sample_rate == 32000
    assert len(result.audio) == result.segments[0].n_samples
    assert len(result.audio) % 640 == 0


def test_cancel_inside_the_flow_stops_before_the_vocoder(tiny_engine, voice):
    token = CancelToken()
    stages = []

    def progress(p):
        stages.append(p.stage)
        if p.stage == "flow" and p.fraction > 0.8:  # a report from inside the Euler loop
            token.cancel()

    with pytest.raises(SynthesisCancelled):
        tiny_engine.synthesize(
            SynthesisRequest(text="Stop in the flow.", voice=voice), on_progress=progress, cancel=token
        )
    assert "flow" in stages and "vocoder" not in stages


def test_unspeakable_characters_are_reported(tiny_engine):
    assert tiny_engine.unspeakable_chars("Hello ☃ world 😀 ok") == ["☃", "😀"]
    assert tiny_engine.unspeakable_chars("你好☃世界") == ["☃"]
    assert tiny_engine.unspeakable_chars("Plain words, 42.") == []
