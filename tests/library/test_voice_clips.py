"""Several clips per voice with a default, a photo per voice, and migration 2 → 3."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from library_helpers import tone

from glmtts_desktop.i18n import set_language
from glmtts_desktop.library import InvalidEntryError, Library
from glmtts_desktop.library.db import MIGRATIONS, transaction
from glmtts_desktop.library.files import encode_wav, sha256_file

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5b1f5a00000000049454e44ae426082"
)


def test_a_new_voice_has_its_reference_as_its_one_default_clip(lib, original_wav):
    v = lib.add_voice("Grandma", original_wav, "Hello, my dear.")
    (clip,) = lib.list_voice_clips(v.id)
    assert clip.is_default and clip.id == v.default_clip_id
    assert (clip.path, clip.sha256, clip.transcript) == (v.reference_path, v.reference_sha256, v.transcript)
    assert clip.original_sha256 == v.original_sha256 == sha256_file(original_wav)


def test_add_clip_set_default_and_the_voice_follows_its_default(lib):
    v = lib.add_voice("Li", tone(3.0, 16000), "first words", sample_rate=16000)
    b = lib.add_voice_clip(v.id, tone(4.0, 16000, 330), "second words", sample_rate=16000, note="happy")
    assert not b.is_default and lib.get_voice(v.id).transcript == "first words"
    lib.set_default_clip(v.id, b.id)
    w = lib.get_voice(v.id)
    assert (w.default_clip_id, w.transcript, w.reference_path) == (b.id, "second words", b.path)
    samples, sr = lib.load_voice_reference(w)
    np.testing.assert_array_equal(samples, tone(4.0, 16000, 330))
    assert [c.is_default for c in lib.list_voice_clips(v.id)] == [False, True]
    # the transcript edit of the voice is the default clip's
    lib.update_transcript(v.id, "second words, edited")
    assert lib.get_voice_clip(b.id).transcript == "second words, edited"
    assert lib.check_integrity(verify_hashes=True) == []


def test_the_last_clip_cannot_be_removed_and_removing_the_default_picks_another(lib):
    v = lib.add_voice("Li", tone(3.0, 16000), "first", sample_rate=16000)
    first = v.default_clip_id
    with pytest.raises(InvalidEntryError, match="at least one clip"):
        lib.remove_voice_clip(first)
    b = lib.add_voice_clip(v.id, tone(3.0, 16000, 330), "second", sample_rate=16000, make_default=True)
    c = lib.add_voice_clip(v.id, tone(3.0, 16000, 440), "third", sample_rate=16000)
    assert lib.remove_voice_clip(c.id) is None  # not the default: nothing else changes
    assert not c.path.exists() and lib.get_voice(v.id).default_clip_id == b.id
    new_default = lib.remove_voice_clip(b.id)
    assert new_default is not None and new_default.id == first and new_default.is_default
    assert lib.get_voice(v.id).transcript == "first" and not b.path.exists()
    assert len(lib.list_voice_clips(v.id)) == 1


def test_an_original_shared_by_two_clips_stays_until_the_last_one_goes(lib, original_wav):
    v = lib.add_voice("G", tone(3.0, 24000), "a", sample_rate=24000, original_path=original_wav)
    b = lib.add_voice_clip(v.id, tone(2.0, 24000), "b", sample_rate=24000, original_path=original_wav)
    orig = lib.get_voice(v.id).original_path
    lib.remove_voice_clip(b.id)
    assert orig is not None and orig.is_file()
    lib.purge_voice(v.id)
    assert not orig.exists() and not b.path.exists()


def test_a_photo_is_stored_by_content_and_replaced_or_removed(lib, tmp_path):
    v = lib.add_voice("Li", tone(3.0, 16000), "x", sample_rate=16000)
    photo = tmp_path / "li.png"
    photo.write_bytes(PNG_1PX)
    w = lib.set_voice_photo(v.id, photo)
    assert w.photo_path is not None and w.photo_path.read_bytes() == PNG_1PX
    assert w.photo_sha256 == sha256_file(photo) and w.photo_path.name == f"{w.photo_sha256}.png"
    jpg = tmp_path / "li.jpeg"
    jpg.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    u = lib.set_voice_photo(v.id, jpg)
    assert u.photo_path is not None and u.photo_path.suffix == ".jpg" and not w.photo_path.exists()
    assert lib.check_integrity(verify_hashes=True) == []
    u.photo_path.write_bytes(b"\xff\xd8\xff changed")
    assert [(p.kind, p.problem) for p in lib.check_integrity(verify_hashes=True)] == [
        ("voice_photo", "checksum mismatch")
    ]
    gone = lib.remove_voice_photo(v.id)
    assert gone.photo_path is None and not u.photo_path.exists()


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_file_that_is_not_a_photo_is_refused_with_a_translated_message(lib, tmp_path, lang):
    v = lib.add_voice("Li", tone(3.0, 16000), "x", sample_rate=16000)
    fake = tmp_path / "notes.png"
    fake.write_text("this is text, not a picture")
    set_language(lang)
    try:
        with pytest.raises(InvalidEntryError) as err:
            lib.set_voice_photo(v.id, fake)
    finally:
        set_language("en")
    expected = (
        "notes.png is not a PNG, JPEG or WebP image."
        if lang == "en"
        else "notes.png 不是 PNG、JPEG 或 WebP 图片。"
    )
    assert str(err.value.message if hasattr(err.value, "message") else err.value).startswith(expected)
    assert lib.get_voice(v.id).photo_path is None  # nothing changed
    assert not (lib.root / "audio" / "photos").exists()


def test_a_photo_over_the_size_limit_is_refused(lib, tmp_path, monkeypatch):
    from glmtts_desktop.library import photos

    v = lib.add_voice("Li", tone(3.0, 16000), "x", sample_rate=16000)
    big = tmp_path / "big.png"
    big.write_bytes(PNG_1PX + b"\0" * 2048)
    monkeypatch.setattr(photos, "MAX_PHOTO_BYTES", 1024)
    with pytest.raises(InvalidEntryError, match="too large"):
        lib.set_voice_photo(v.id, big)


def _schema_2_library(root: Path) -> tuple[str, str, bytes]:
    """A library as schema 2 made it: tables from migrations 1-2, one voice row and its files."""
    root.mkdir(parents=True)
    (root / "audio" / "voices" / "v1").mkdir(parents=True)
    ref = encode_wav(tone(2.0, 16000), 16000, subtype="FLOAT")
    (root / "audio" / "voices" / "v1" / "reference-0000abcd.wav").write_bytes(ref)
    orig = b"RIFF-original-bytes"
    (root / "audio" / "originals" / "aa").mkdir(parents=True)
    import hashlib

    osha = hashlib.sha256(orig).hexdigest()
    (root / "audio" / "originals" / "aa" / f"{osha}.wav").write_bytes(orig)
    conn = sqlite3.connect(root / "library.sqlite3", isolation_level=None)
    for number, script in enumerate(MIGRATIONS[:2], start=1):
        with transaction(conn):
            for statement in (s.strip() for s in script.split(";")):
                if statement:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
    conn.execute(
        "INSERT INTO originals VALUES (?, ?, 'voicemail.wav', ?, '2026-01-01')",
        (osha, f"audio/originals/aa/{osha}.wav", len(orig)),
    )
    for vid, name, rel, text in (
        ("v1", "Grandma", "audio/voices/v1/reference-0000abcd.wav", "hello dear"),
        ("v2", "Grandpa", "audio/voices/v1/reference-0000abcd.wav", "good night"),
    ):
        conn.execute(
            "INSERT INTO voices (id, name, transcript, original_sha256, original_name, trim_start, trim_end,"
            " reference_rel_path, reference_sha256, reference_sample_rate, reference_duration, created_at,"
            " updated_at, speaker) VALUES (?,?,?,?,'voicemail.wav',0.5,2.5,?,?,16000,2.0,'2026-01-01','2026-01-01','')",
            (vid, name, text, osha, rel, hashlib.sha256(ref).hexdigest()),
        )
    conn.close()
    return osha, hashlib.sha256(ref).hexdigest(), ref


def test_migration_2_to_3_gives_every_voice_its_reference_as_the_default_clip(tmp_path):
    root = tmp_path / "lib"
    osha, rsha, ref = _schema_2_library(root)
    with Library(root) as lib:
        assert int(lib.conn.execute("PRAGMA user_version").fetchone()[0]) == len(MIGRATIONS) >= 3
        voices = {v.name: v for v in lib.list_voices()}
        assert set(voices) == {"Grandma", "Grandpa"}
        for name, text in (("Grandma", "hello dear"), ("Grandpa", "good night")):
            v = voices[name]
            (clip,) = lib.list_voice_clips(v.id)
            assert clip.is_default and v.default_clip_id == clip.id
            assert (clip.transcript, clip.sha256, clip.trim, clip.original_sha256) == (
                text,
                rsha,
                (0.5, 2.5),
                osha,
            )
            assert clip.path.read_bytes() == ref and v.transcript == text and v.photo_path is None
        assert voices["Grandma"].default_clip_id != voices["Grandpa"].default_clip_id
        assert lib.check_integrity(verify_hashes=True) == []
        # and the migrated voices take new clips
        extra = lib.add_voice_clip(voices["Grandma"].id, tone(3.0, 16000), "more", sample_rate=16000)
        assert len(lib.list_voice_clips(voices["Grandma"].id)) == 2 and not extra.is_default


def test_a_recording_the_voice_already_has_is_refused_naming_its_clip(lib, tmp_path):
    from glmtts_desktop.library import DuplicateClipError

    v = lib.add_voice("Li", tone(3.0, 16000), "first", sample_rate=16000)
    b = lib.add_voice_clip(v.id, tone(3.0, 16000, 330), "second", sample_rate=16000)
    lib.rename_voice(v.id, "Li Hua")  # the stored file's header changes; the audio does not
    files_before = sorted(p for p in (tmp_path / "lib").rglob("*") if p.is_file())
    with pytest.raises(DuplicateClipError) as err:
        lib.add_voice_clip(v.id, tone(3.0, 16000, 330), "again", sample_rate=16000, make_default=True)
    assert err.value.existing_clip_id == b.id
    assert "This recording is already a clip of “Li Hua” (“second”)" in err.value.user_text()
    assert [c.transcript for c in lib.list_voice_clips(v.id)] == ["first", "second"]
    assert lib.get_voice(v.id).default_clip_id == v.default_clip_id
    assert sorted(p for p in (tmp_path / "lib").rglob("*") if p.is_file()) == files_before
    # the same recording is still welcome in another voice, and other audio in this one
    w = lib.add_voice("Wei", tone(3.0, 16000), "other", sample_rate=16000)
    lib.add_voice_clip(w.id, tone(3.0, 16000, 330), "second", sample_rate=16000)
    lib.add_voice_clip(v.id, tone(3.0, 16000, 331), "near, not the same", sample_rate=16000)
    set_language("zh_CN")
    try:
        with pytest.raises(DuplicateClipError) as err:
            lib.add_voice_clip(v.id, tone(3.0, 16000), "x", sample_rate=16000)
        assert "这段录音已经是“Li Hua”的一个片段（“first”）" in err.value.user_text()
    finally:
        set_language("en")
