"""Archives: export -> delete everything -> import gives every byte back, verified; damaged,
unsafe and duplicate archives are refused clearly and add nothing."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from glmtts_desktop.library import (
    ArchiveChecksumError,
    ConsentRecord,
    DuplicateVoiceError,
    Library,
    UnsafeArchiveError,
)
from glmtts_desktop.studio import Clip, GenerationSettings, Studio
from tests.conftest import voice_like
from tests.studio.studio_fakes import DeterministicEngine


def _files(root: Path) -> dict[str, str]:
    """sha256 of every audio/evidence file under the library, by path relative to audio/."""
    out = {}
    for p in (root / "audio").rglob("*"):
        if p.is_file() and p.suffix != ".json":
            out[p.relative_to(root / "audio").as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _snapshot(lib: Library) -> dict:
    voices = {
        v.id: (
            v.name,
            v.speaker,
            v.transcript,
            v.original_sha256,
            v.reference_sha256,
            v.consent,
            v.created_at,
            v.pronunciations,
        )
        for v in lib.list_voices()
    }
    voices = {
        k: (
            *t[:5],
            None if t[5] is None else (t[5].who, t[5].basis, t[5].evidence_sha256, t[5].evidence_name),
            *t[6:],
        )
        for k, t in voices.items()
    }
    gens = {
        g.id: (
            g.text,
            g.voice_id,
            g.voice_name,
            g.seed,
            g.settings,
            g.sha256,
            g.created_at,
            g.normalized_text,
        )
        for g in lib.list_generations(limit=1000)
    }
    return {"voices": voices, "generations": gens}


@pytest.fixture
def family(tmp_path):
    """A family library: two voices with originals and consent (one with evidence), an unsaved
    clip generation, and generations for each voice."""
    root = tmp_path / "family"
    lib = Library(root, app_version="9.9.9-test")
    st = Studio(lib, DeterministicEngine(), model_revision="rev-test")
    orig = tmp_path / "Grandma voicemail 2009.wav"
    sf.write(
        orig,
        np.stack([voice_like(4.0, 44100), voice_like(4.0, 44100, seed=1)], axis=1),
        44100,
        subtype="PCM_16",
    )
    letter = tmp_path / "consent letter.pdf"
    letter.write_bytes(b"%PDF-1.4 signed consent " + os.urandom(64))
    samples = voice_like(3.0, 44100)
    g = st.add_voice(
        "Grandma Li",
        samples,
        44100,
        "hello dear",
        original=orig,
        trim=(0.5, 3.5),
        speaker="my grandmother",
        consent=ConsentRecord(who="Li Hua", how="signed letter", basis="family", scope="family only"),
        evidence=letter,
    )
    d = st.add_voice(
        "Dad",
        voice_like(3.0, 16000, f0=110),
        16000,
        "good day",
        consent=ConsentRecord(who="Dad", how="said yes", basis="self"),
    )
    st.generate(g.id, "Happy birthday.", GenerationSettings(seed=1))
    st.generate(d.id, "See you soon.", GenerationSettings(seed=2, sample_rate=32000))
    st.generate(
        Clip(voice_like(2.5, 16000, f0=200), 16000, "hi", "Aunt"),
        "Hi!",
        GenerationSettings(),
        consent_acknowledged=True,
    )
    yield lib, st, orig, letter
    lib.close()


@pytest.mark.parametrize("suffix", ["", ".zip"])
def test_export_delete_everything_import_round_trip(family, tmp_path, suffix):
    lib, st, orig, letter = family
    before_files, before = _files(lib.root), _snapshot(lib)
    out = st.export_archive(tmp_path / f"archive{suffix}")
    assert out.exists()
    root = lib.root
    lib.close()
    shutil.rmtree(root)  # delete everything
    with Library(root, app_version="9.9.9-test") as fresh:
        report = Studio(fresh).import_archive(out)
        assert sorted(report.voices_added) == ["Dad", "Grandma Li"] and report.generations_added == 3
        assert _files(fresh.root) == before_files  # every byte identical, same names
        assert _snapshot(fresh) == before
        assert fresh.check_integrity(verify_hashes=True) == []
        [gm] = [v for v in fresh.list_voices() if v.name == "Grandma Li"]
        assert gm.original_path.read_bytes() == orig.read_bytes()
        assert gm.consent.evidence_path.read_bytes() == letter.read_bytes()
        # the unsaved clip came back too: "Again" still works after the round trip
        [aunt] = [g for g in fresh.list_generations() if g.voice_name == "Aunt"]
        first = st  # noqa: F841 - (the old studio's library is closed)
        again = Studio(fresh, DeterministicEngine()).regenerate(aunt.id)
        assert again.record.voice_name == "Aunt"


def test_archive_is_a_valid_bag_with_readme_and_separate_real_and_synthetic_folders(family, tmp_path):
    import bagit

    _lib, st, _o, _l = family
    out = st.export_archive(tmp_path / "bag")
    bagit.Bag(str(out)).validate()
    readme = (out / "data" / "README.txt").read_text("utf-8")
    assert "AI-GENERATED SPEECH" in readme and "AI 生成的语音" in readme
    wavs = {p.relative_to(out / "data").parts[0] for p in (out / "data").rglob("*.wav")}
    assert wavs == {"voices", "generations", "clips"}
    assert (out / "data" / "voices").is_dir()


def test_export_of_one_voice_holds_only_it(family, tmp_path):
    lib, st, _o, _l = family
    dad = st.find_voice("Dad")
    out = st.export_archive(tmp_path / "dad.zip", [dad.id])
    names = zipfile.ZipFile(out).namelist()
    assert any(n.endswith("transcript.txt") for n in names)
    assert sum(n.endswith(".wav") and "/generations/" in n for n in names) == 1
    assert not any("/clips/" in n for n in names)


def _tamper_and_expect(out: Path, lib_root: Path, exc_type, words: str):
    with Library(lib_root / "other") as other:
        with pytest.raises(exc_type) as info:
            Studio(other).import_archive(out)
        assert words in info.value.user_text()
        assert other.list_voices() == [] and other.list_generations() == []


def test_tampered_file_is_refused_and_nothing_added(family, tmp_path):
    _lib, st, _o, _l = family
    out = st.export_archive(tmp_path / "bag")
    wav = next((out / "data" / "generations").glob("*.wav"))
    data = bytearray(wav.read_bytes())
    data[-10] ^= 0xFF
    wav.write_bytes(bytes(data))
    _tamper_and_expect(out, tmp_path, ArchiveChecksumError, "damaged or was changed")


def test_unknown_file_and_symlink_in_a_folder_archive_are_refused(family, tmp_path):
    _lib, st, _o, _l = family
    out = st.export_archive(tmp_path / "bag")
    (out / "fetch.txt").write_text("http://example.com/x 1 data/x\n")
    _tamper_and_expect(out, tmp_path, UnsafeArchiveError, "unknown file")
    (out / "fetch.txt").unlink()
    (out / "data" / "voices" / "extra.wav").symlink_to("/etc/passwd")
    _tamper_and_expect(out, tmp_path, UnsafeArchiveError, "a link")


def test_unknown_payload_file_is_refused_even_with_a_valid_manifest(family, tmp_path):
    import bagit

    _lib, st, _o, _l = family
    out = st.export_archive(tmp_path / "bag")
    (out / "data" / "voices" / "run-me.exe").write_bytes(b"MZ not a voice")
    bagit.Bag(str(out)).save(manifests=True)  # checksums made to match: BagIt alone accepts it
    bagit.Bag(str(out)).validate()
    _tamper_and_expect(out, tmp_path, UnsafeArchiveError, "unknown file (voices/run-me.exe)")


def _zip_with(
    tmp_path: Path, good: Path, extra_name: str, data: bytes = b"x", *, symlink: bool = False
) -> Path:
    bad = tmp_path / f"bad-{abs(hash(extra_name))}.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        info = zipfile.ZipInfo(extra_name)
        if symlink:
            info.external_attr = 0o120777 << 16
        dst.writestr(info, data)
    return bad


@pytest.mark.parametrize(
    "name, words",
    [("../../evil.txt", "outside its folder"), ("/etc/evil", "absolute name"), ("C:/evil", "absolute name")],
)
def test_zip_with_climbing_or_absolute_names_is_refused(family, tmp_path, name, words):
    _lib, st, _o, _l = family
    good = st.export_archive(tmp_path / "good.zip")
    bad = _zip_with(tmp_path, good, name)
    _tamper_and_expect(bad, tmp_path, UnsafeArchiveError, words)
    assert not (tmp_path / "evil.txt").exists()


def test_zip_symlink_and_bomb_are_refused(family, tmp_path):
    _lib, st, _o, _l = family
    good = st.export_archive(tmp_path / "good.zip")
    _tamper_and_expect(
        _zip_with(tmp_path, good, "good/data/x", b"/etc/passwd", symlink=True),
        tmp_path,
        UnsafeArchiveError,
        "link",
    )
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("good/data/zeros.bin", b"\0" * (50 * 1024**2))
    _tamper_and_expect(bomb, tmp_path, UnsafeArchiveError, "expands")


def test_duplicate_import_asks_then_skips_or_keeps_both(family, tmp_path):
    lib, st, _o, _l = family
    out = st.export_archive(tmp_path / "again.zip")
    with pytest.raises(DuplicateVoiceError) as info:
        st.import_archive(out)
    assert "already in the library" in info.value.user_text()
    assert len(lib.list_voices()) == 2
    skipped = st.import_archive(out, on_duplicate="skip")
    assert sorted(skipped.voices_skipped) == ["Dad", "Grandma Li"] and skipped.generations_added == 0
    assert len(lib.list_voices()) == 2
    both = st.import_archive(out, on_duplicate="keep_both")
    assert sorted(both.voices_added) == ["Dad", "Grandma Li"]
    assert len(lib.list_voices()) == 4 and lib.check_integrity(verify_hashes=True) == []


def test_check_integrity_names_what_changed(family):
    lib, st, _o, _l = family
    assert st.check_integrity() == []
    g = lib.list_generations()[0]
    data = bytearray(g.path.read_bytes())
    data[-2] ^= 0x55
    g.path.write_bytes(bytes(data))
    v = st.find_voice("Grandma Li")
    v.consent.evidence_path.unlink()
    problems = {(p.kind, p.item_id, p.problem) for p in st.check_integrity()}
    assert problems == {("generation", g.id, "checksum mismatch"), ("consent_evidence", v.id, "missing")}
