"""Studio.generate / regenerate / the voice cache / consent rules, on a deterministic engine."""

from __future__ import annotations

import numpy as np
import pytest
from studio_fakes import DeterministicEngine

from glmtts_desktop.engine.types import PronunciationOverride
from glmtts_desktop.library import ConsentRecord, Library
from glmtts_desktop.studio import (
    Clip,
    ConsentRequiredError,
    ConsentRevokedError,
    GenerationSettings,
    SpeechEngine,
    Studio,
)
from glmtts_desktop.studio.studio import weights_fingerprint

CONSENT = ConsentRecord(who="Li Hua", how="spoken consent, recorded", when="2026-05-01", basis="permission")


def test_fakes_satisfy_the_engine_protocol():
    assert isinstance(DeterministicEngine(), SpeechEngine)


def test_generate_stores_audio_settings_and_provenance(studio, lib, clip_audio):
    samples, sr = clip_audio
    v = studio.add_voice("Grandma", samples, sr, "hello dear", consent=CONSENT)
    ov = (PronunciationOverride("dear", "deer", (6,)),)
    s = GenerationSettings(seed=42, method="topk", flow_steps=8)
    gen = studio.generate(v.id, "hello dear", s, ov)
    rec = lib.get_generation(gen.id)
    assert rec.voice_id == v.id and rec.voice_name == "Grandma" and rec.seed == 42
    assert GenerationSettings.from_dict(rec.settings) == s
    assert rec.settings["overrides"] == [{"text": "dear", "replacement": "deer", "occurrences": [6]}]
    assert (
        rec.model_info["fingerprint"] == weights_fingerprint(DeterministicEngine())
        and rec.model_info["revision"] == "rev-test"
    )
    assert rec.normalized_text == "hello dear"
    stored, rate = lib.load_generation_audio(rec)
    assert rate == 24000 and np.allclose(stored, gen.audio, atol=1 / 32767)


def test_regenerate_reproduces_exactly_including_the_sample_rate(studio, engine, lib, clip_audio):
    samples, sr = clip_audio
    v = studio.add_voice("Me", samples, sr, "my voice", consent=CONSENT)
    first = studio.generate(v.id, "Again please.", GenerationSettings(sample_rate=32000, seed=3))
    engine.set_sample_rate(24000)  # someone switched the rate since
    again = studio.regenerate(first.id)
    assert again.sample_rate == 32000 and again.id != first.id
    np.testing.assert_array_equal(again.audio, first.audio)
    other = studio.regenerate(first.id, seed=4)
    assert other.settings.seed == 4 and not np.array_equal(other.audio, first.audio)


def test_unsaved_clip_is_kept_so_again_works_after_restart(tmp_path, clip_audio):
    samples, sr = clip_audio
    root = tmp_path / "lib2"
    with Library(root) as lib:
        st = Studio(lib, DeterministicEngine())
        first = st.generate(
            Clip(samples, sr, "hi", "Aunt"), "Hello.", GenerationSettings(seed=1), consent_acknowledged=True
        )
    with Library(root) as lib:
        st = Studio(lib, DeterministicEngine())
        again = st.regenerate(first.id)
        np.testing.assert_array_equal(again.audio, first.audio)
        assert again.record.voice_name == "Aunt"


def test_voice_analysis_is_done_once_and_kept_in_the_library(tmp_path, clip_audio):
    samples, sr = clip_audio
    root = tmp_path / "lib3"
    with Library(root) as lib:
        e = DeterministicEngine()
        st = Studio(lib, e)
        v = st.add_voice("V", samples, sr, "t", consent=CONSENT)
        st.generate(v.id, "one", GenerationSettings())
        st.generate(v.id, "two", GenerationSettings(seed=2))
        assert e.prepared == 1
    with Library(root) as lib:
        e2 = DeterministicEngine()
        Studio(lib, e2).generate(v.id, "three", GenerationSettings())
        assert e2.prepared == 0  # a restart reads the analysis back from the library


def test_consent_rules(studio, clip_audio):
    samples, sr = clip_audio
    v = studio.add_voice("No record", samples, sr, "t")
    with pytest.raises(ConsentRequiredError) as info:
        studio.generate(v.id, "x", GenerationSettings())
    assert "No record" in info.value.user_text()
    assert studio.search_history() == []
    studio.generate(v.id, "x", GenerationSettings(), consent_acknowledged=True)
    studio.generate(v.id, "asked once", GenerationSettings())  # remembered for the session
    with pytest.raises(ConsentRequiredError):
        studio.generate(Clip(samples, sr, "t"), "x", GenerationSettings())
    w = studio.add_voice("Withdrawn", samples * 0.5, sr, "t", consent=CONSENT)
    first = studio.generate(w.id, "before", GenerationSettings())
    studio.revoke_consent(w.id)
    with pytest.raises(ConsentRevokedError):
        studio.generate(w.id, "after", GenerationSettings(), consent_acknowledged=True)
    with pytest.raises(ConsentRevokedError):
        studio.regenerate(first.id)
    assert [g.text for g in studio.search_history(voice_id=w.id)] == ["before"]  # history stays


def test_history_search_by_text_voice_and_date(studio, lib, clip_audio):
    samples, sr = clip_audio
    a = studio.add_voice("Anna", samples, sr, "t", consent=CONSENT)
    b = studio.add_voice("Bert", samples * 0.5, sr, "t", consent=CONSENT)
    studio.generate(a.id, "good morning", GenerationSettings())
    studio.generate(b.id, "good night", GenerationSettings())
    studio.generate(b.id, "hello", GenerationSettings())
    assert {g.text for g in studio.search_history("good")} == {"good morning", "good night"}
    assert {g.text for g in studio.search_history(voice_id=b.id)} == {"good night", "hello"}
    today = lib.list_generations()[0].created_at[:10]
    assert len(studio.search_history(since=today, until=today)) == 3
    assert studio.search_history(until="2000-01-01") == []


def test_duplicates_are_never_silent(studio, clip_audio):
    from glmtts_desktop.studio import DuplicateVoiceError

    samples, sr = clip_audio
    v = studio.add_voice("Grandma Li", samples, sr, "t")
    with pytest.raises(DuplicateVoiceError):
        studio.add_voice("grandma li", samples * 0.3, sr, "t")  # same name
    with pytest.raises(DuplicateVoiceError):
        studio.add_voice("Other name", samples, sr, "t")  # same audio
    assert studio.add_voice("Other name", samples, sr, "t", on_duplicate="skip").id == v.id
    assert studio.add_voice("Other name", samples, sr, "t", on_duplicate="keep_both").id != v.id
    assert len(studio.list_voices()) == 2


def test_rename_trash_restore_and_empty(studio, clip_audio):
    samples, sr = clip_audio
    v = studio.add_voice("A", samples, sr, "t", consent=CONSENT)
    assert studio.rename_voice(v.id, "B").name == "B"
    studio.delete_voice(v.id)
    assert studio.list_voices() == [] and [x.id for x in studio.list_voices(trash=True)] == [v.id]
    studio.restore_voice(v.id)
    assert [x.name for x in studio.list_voices()] == ["B"]
    studio.delete_voice(v.id)
    assert studio.empty_trash() == (1, 0)
    assert studio.list_voices(trash=True) == []


def test_the_engine_is_told_after_every_job_even_a_failed_one(studio, engine, clip_audio):
    samples, sr = clip_audio
    clip = Clip(samples, sr, "hello")
    studio.speak(clip, "One.", GenerationSettings(), consent_acknowledged=True)
    assert engine.idle_releases == [False]  # after a job: only what the next one does not need

    def broken(request, **kwargs):
        raise RuntimeError("boom")

    engine.synthesize = broken
    with pytest.raises(RuntimeError):
        studio.speak(clip, "Two.", GenerationSettings(), consent_acknowledged=True)
    assert engine.idle_releases == [False, False]
    studio.release_idle_memory()  # the GUI, after an idle period
    assert engine.idle_releases == [False, False, True]
