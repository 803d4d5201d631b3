from __future__ import annotations

import hashlib
import sqlite3

import numpy as np
import pytest
import soundfile as sf
from library_helpers import tone

from glmtts_desktop.library import (
    ConsentRecord,
    InvalidEntryError,
    Library,
    NotFoundError,
    StorageError,
)


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_under(root) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_add_voice_from_file_keeps_the_original_byte_for_byte(lib, original_wav):
    before = original_wav.read_bytes()
    v = lib.add_voice("Grandma", original_wav, "Hello, my dear.")
    assert v.original_path is not None and v.original_path != original_wav
    assert v.original_path.read_bytes() == before
    assert v.original_sha256 == hashlib.sha256(before).hexdigest() == sha(v.original_path)
    assert v.original_name == "Grandma voicemail.WAV"
    assert original_wav.read_bytes() == before  # the user's file is untouched too
    ref, sr = lib.load_voice_reference(v)
    assert sr == 44100 and ref.ndim == 1 and len(ref) == 5 * 44100
    src, _ = sf.read(original_wav, dtype="float32")
    np.testing.assert_allclose(ref, src.mean(axis=1), atol=2e-4)
    assert v.reference_sha256 == sha(v.reference_path)
    assert v.reference_duration == pytest.approx(5.0)


def test_add_voice_from_trimmed_samples_with_original(lib, original_wav):
    clip = tone(3.0, 24000)
    v = lib.add_voice(
        "Grandma", clip, "Hello.", sample_rate=24000, original_path=original_wav, trim=(1.0, 4.0)
    )
    assert v.trim == (1.0, 4.0) and v.reference_sample_rate == 24000
    assert v.original_sha256 == sha(original_wav)
    ref, sr = lib.load_voice_reference(v.id)
    np.testing.assert_allclose(ref, clip, atol=1e-6)  # 24-bit reference


def test_same_original_is_stored_once_and_survives_purge_of_one_voice(lib, original_wav):
    a = lib.add_voice("A", original_wav, "x")
    b = lib.add_voice("B", tone(3.0, 24000), "y", sample_rate=24000, original_path=original_wav)
    assert a.original_path == b.original_path
    lib.purge_voice(a.id)
    assert b.original_path.exists() and lib.get_voice(b.id).original_path == b.original_path
    lib.purge_voice(b.id)
    assert not b.original_path.exists()
    assert files_under(lib.root / "audio") == set()


def test_voices_survive_restart(tmp_path, original_wav):
    root = tmp_path / "lib"
    with Library(root) as lib:
        consent = ConsentRecord(
            who="王秀英",
            how="Spoken consent, recorded",
            when="2026-05-01",
            basis="permission",
            relationship="grandmother",
            scope="family only",
        )
        v = lib.add_voice(
            "奶奶", original_wav, "你好，我的宝贝。", consent=consent, notes="from 2009", language="zh"
        )
        lib.set_voice_pronunciations(
            v.id, [{"text": "行", "replacement": "<|H|><|ANG2|>", "occurrences": [3]}]
        )
        lib.put_prompt_cache("content-key-1", b"\x00\x01prompt")
    with Library(root) as lib2:
        [w] = lib2.list_voices()
        assert (w.id, w.name, w.transcript, w.notes, w.language) == (
            v.id,
            "奶奶",
            "你好，我的宝贝。",
            "from 2009",
            "zh",
        )
        assert (
            w.consent.who == "王秀英" and w.consent.when == "2026-05-01" and w.consent.basis == "permission"
        )
        assert w.consent.relationship == "grandmother" and w.consent.recorded_at
        assert w.pronunciations == ({"text": "行", "replacement": "<|H|><|ANG2|>", "occurrences": [3]},)
        assert lib2.get_prompt_cache("content-key-1") == b"\x00\x01prompt"
        assert lib2.get_prompt_cache("other") is None
        assert w.original_path.read_bytes() == original_wav.read_bytes()


def test_rename_and_transcript(lib):
    v = lib.add_voice("Me", tone(4.0, 16000), "one", sample_rate=16000)
    assert lib.rename_voice(v.id, "  Me   again ").name == "Me again"
    w = lib.update_transcript(v.id, " two ")
    assert w.transcript == "two" and w.updated_at >= v.updated_at
    with pytest.raises(InvalidEntryError):
        lib.rename_voice(v.id, "   ")
    with pytest.raises(NotFoundError):
        lib.rename_voice("nope", "x")


def test_replace_reference_keeps_original(lib, original_wav):
    v = lib.add_voice("A", original_wav, "x")
    w = lib.replace_reference(v.id, tone(3.0, 24000, 440), 24000, trim=(0.5, 3.5))
    assert w.reference_path != v.reference_path and not v.reference_path.exists()
    assert w.trim == (0.5, 3.5) and w.reference_duration == pytest.approx(3.0)
    assert w.original_path.read_bytes() == original_wav.read_bytes()


def test_soft_delete_restore_and_trash(lib):
    a = lib.add_voice("A", tone(3.0, 16000), "a", sample_rate=16000)
    b = lib.add_voice("b", tone(3.0, 16000), "b", sample_rate=16000)
    lib.delete_voice(a.id)
    assert [v.name for v in lib.list_voices()] == ["b"]
    assert [v.name for v in lib.list_voices(deleted_only=True)] == ["A"]
    assert lib.get_voice(a.id).deleted and a.reference_path.exists()  # nothing lost
    lib.restore_voice(a.id)
    assert [v.name for v in lib.list_voices()] == ["A", "b"]
    lib.delete_voice(b.id)
    assert lib.empty_trash() == (1, 0)
    with pytest.raises(NotFoundError):
        lib.get_voice(b.id)
    assert not b.reference_path.exists() and a.reference_path.exists()


def test_consent_validation_set_and_revoke(lib):
    with pytest.raises(InvalidEntryError):
        lib.add_voice("A", tone(3.0, 16000), "a", sample_rate=16000, consent=ConsentRecord(who="", how="x"))
    with pytest.raises(InvalidEntryError):
        lib.add_voice(
            "A",
            tone(3.0, 16000),
            "a",
            sample_rate=16000,
            consent=ConsentRecord(who="x", how="x", basis="because"),
        )
    assert lib.list_voices() == []
    v = lib.add_voice("A", tone(3.0, 16000), "a", sample_rate=16000)
    assert v.consent is None
    v = lib.set_consent(v.id, ConsentRecord(who="Me", how="It is my own voice"))
    assert v.consent.basis == "self" and not v.consent.revoked
    v = lib.revoke_consent(v.id)
    assert v.consent.revoked and v.consent.who == "Me"
    assert lib.set_consent(v.id, None).consent is None


def test_undecodable_file_without_samples_adds_nothing(lib, tmp_path):
    bad = tmp_path / "clip.m4a"
    bad.write_bytes(b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 200)
    with pytest.raises(InvalidEntryError) as ei:
        lib.add_voice("A", bad, "x")
    assert "load_audio" in ei.value.hint
    assert lib.list_voices() == [] and files_under(lib.root / "audio") == set()


def test_failed_catalogue_write_leaves_no_files(lib, original_wav, monkeypatch):
    def broken(*a, **kw):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(lib, "_write_consent", broken)
    from glmtts_desktop.library import DiskFullError

    with pytest.raises(DiskFullError):
        lib.add_voice("A", original_wav, "x", consent=ConsentRecord(who="a", how="b"))
    assert lib.list_voices() == []
    assert files_under(lib.root / "audio") == set()


def test_pronunciation_validation(lib):
    v = lib.add_voice("A", tone(3.0, 16000), "a", sample_rate=16000)
    with pytest.raises(InvalidEntryError):
        lib.set_voice_pronunciations(v.id, [{"text": "", "replacement": "x"}])
    with pytest.raises(InvalidEntryError):
        lib.set_voice_pronunciations(v.id, [{"text": "a", "replacement": "x", "occurrences": [-1]}])
    w = lib.set_voice_pronunciations(v.id, [{"text": "a", "replacement": "b"}])
    assert w.pronunciations == ({"text": "a", "replacement": "b", "occurrences": None},)


def test_prompt_cache_holds_a_real_voice_prompt(lib):
    from glmtts_desktop.engine.types import VoicePrompt

    vp = VoicePrompt(
        "hi",
        "hi",
        np.arange(3),
        np.arange(50),
        np.zeros((20, 80), np.float32),
        np.ones(192, np.float32),
        24000,
        2.0,
    )
    lib.put_prompt_cache("m", vp.to_bytes())
    back = VoicePrompt.from_bytes(lib.get_prompt_cache("m"))
    np.testing.assert_array_equal(back.speech_ids, vp.speech_ids)
    assert back.transcript == "hi"


def test_unwritable_root_is_a_storage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError):
        Library(blocker / "lib")


def test_stereo_samples_become_a_mono_reference(lib):
    x = np.stack([tone(3.0, 16000), tone(3.0, 16000, 330)], axis=1)
    v = lib.add_voice("S", x, "s", sample_rate=16000)
    ref, _ = lib.load_voice_reference(v)
    assert ref.ndim == 1
    np.testing.assert_allclose(ref, x.mean(axis=1), atol=1e-6)


def test_long_file_must_be_trimmed_first(lib, tmp_path):
    long_wav = tmp_path / "long.wav"
    with sf.SoundFile(long_wav, "w", samplerate=8000, channels=1, subtype="PCM_16") as f:
        f.write(np.zeros(8000 * 130, np.int16))
    with pytest.raises(InvalidEntryError, match="too long"):
        lib.add_voice("L", long_wav, "x")
    v = lib.add_voice("L", tone(5.0, 8000), "x", sample_rate=8000, original_path=long_wav, trim=(10.0, 15.0))
    assert v.original_path.stat().st_size == long_wav.stat().st_size


def test_default_root_is_overridable_by_environment(tmp_path, monkeypatch):
    from glmtts_desktop.library import default_library_root

    monkeypatch.setenv("GLMTTS_LIBRARY_DIR", str(tmp_path / "elsewhere"))
    assert default_library_root() == tmp_path / "elsewhere"
    with Library() as lib:
        assert lib.root == tmp_path / "elsewhere" and lib.db_path.exists()
