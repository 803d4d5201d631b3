"""The studio's clip API: generation speaks with the default clip; switching back is instant."""

from __future__ import annotations

import numpy as np
import pytest

from glmtts_desktop.library import ConsentRecord, InvalidEntryError
from glmtts_desktop.studio import GenerationSettings
from tests.conftest import voice_like

CONSENT = ConsentRecord(who="Li Hua", how="spoken consent, recorded", when="2026-05-01", basis="self")


@pytest.fixture
def two_clip_voice(studio):
    a = voice_like(3.0, 16000, f0=120.0, seed=1)
    b = voice_like(4.0, 16000, f0=220.0, seed=2)
    v = studio.add_voice("Li", a, 16000, "clip a words", consent=CONSENT)
    clip_b = studio.add_clip(v.id, b, 16000, "clip b words", note="cheerful")
    return v, a, b, clip_b


def _record_prepared(engine, monkeypatch) -> list[tuple[np.ndarray, int, str]]:
    seen: list[tuple[np.ndarray, int, str]] = []
    real = engine.prepare_voice

    def spy(audio, sr, transcript):
        seen.append((np.array(audio), int(sr), transcript))
        return real(audio, sr, transcript)

    monkeypatch.setattr(engine, "prepare_voice", spy)
    return seen


def test_generation_uses_the_default_clip(studio, engine, two_clip_voice, monkeypatch):
    v, a, b, clip_b = two_clip_voice
    seen = _record_prepared(engine, monkeypatch)
    studio.generate(v.id, "hello", GenerationSettings(seed=1))
    assert seen[-1][2] == "clip a words"
    np.testing.assert_array_equal(seen[-1][0], a.astype(np.float32))
    studio.set_default_clip(v.id, clip_b.id)
    gen = studio.generate(v.id, "hello", GenerationSettings(seed=1))
    audio, sr, transcript = seen[-1]
    assert (sr, transcript) == (16000, "clip b words")
    np.testing.assert_array_equal(audio, b.astype(np.float32))
    assert engine.requests[-1].voice.transcript == "clip b words"
    assert gen.record.settings["transcript"] == "clip b words"


def test_switching_back_to_a_clip_used_before_needs_no_new_analysis(studio, engine, two_clip_voice):
    v, _a, _b, clip_b = two_clip_voice
    first = v.default_clip_id
    studio.prepare_voice(v.id)
    studio.set_default_clip(v.id, clip_b.id)
    studio.prepare_voice(v.id)
    analysed = studio.voice_cache.analysed
    studio.set_default_clip(v.id, first)
    studio.prepare_voice(v.id)
    studio.set_default_clip(v.id, clip_b.id)
    studio.prepare_voice(v.id)
    assert studio.voice_cache.analysed == analysed == 2
    studio.voice_cache.clear_memory()  # also from the library's cache after a restart
    studio.set_default_clip(v.id, first)
    studio.prepare_voice(v.id)
    assert studio.voice_cache.analysed == 2


def test_remove_clip_rules_and_the_message_when_the_default_goes(studio, two_clip_voice):
    v, _a, _b, clip_b = two_clip_voice
    studio.set_default_clip(v.id, clip_b.id)
    done = studio.remove_clip(clip_b.id)
    assert done.new_default is not None and done.new_default.id == v.default_clip_id
    assert "clip a words" in done.message and "default" in done.message
    clips = studio.list_clips(v.id)
    assert [c.id for c in clips] == [v.default_clip_id] and clips[0].is_default
    with pytest.raises(InvalidEntryError):
        studio.remove_clip(v.default_clip_id)
    other = studio.add_clip(v.id, voice_like(2.0, 16000, seed=5), 16000, "third")
    quiet = studio.remove_clip(other.id)
    assert quiet.new_default is None and quiet.message == ""


def test_again_uses_the_clip_the_entry_was_made_with_after_the_default_changed(
    studio, engine, two_clip_voice, monkeypatch
):
    v, a, _b, clip_b = two_clip_voice
    first = studio.generate(v.id, "hello", GenerationSettings(seed=3))
    assert first.record.settings["reference_clip_id"] == v.default_clip_id
    studio.set_default_clip(v.id, clip_b.id)
    seen = _record_prepared(engine, monkeypatch)
    studio.voice_cache.clear_memory()
    monkeypatch.setattr(studio.library, "get_prompt_cache", lambda key: None)  # analyse again
    again = studio.regenerate(first.id)
    assert seen[-1][2] == "clip a words"
    np.testing.assert_array_equal(seen[-1][0], a.astype(np.float32))
    np.testing.assert_array_equal(again.audio, first.audio)
    assert again.record.voice_id == v.id
    assert again.record.settings["reference_sha256"] == first.record.settings["reference_sha256"]
    # new speech uses the default
    fresh = studio.generate(v.id, "hello", GenerationSettings(seed=3))
    assert fresh.record.settings["reference_clip_id"] == clip_b.id
