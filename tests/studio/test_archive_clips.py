"""Archives carry every clip of a voice and its photo: byte-identical round trip, verified."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from glmtts_desktop.library import ArchiveChecksumError, ConsentRecord, Library
from glmtts_desktop.studio import Studio
from tests.conftest import voice_like
from tests.studio.studio_fakes import DeterministicEngine

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5b1f5a00000000049454e44ae426082"
)


def _files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root / "audio").as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (root / "audio").rglob("*")
        if p.is_file() and p.suffix != ".json"
    }


def _clips(lib: Library) -> dict:
    return {
        v.name: (
            v.default_clip_id,
            v.photo_sha256,
            [
                (c.id, c.sha256, c.transcript, c.note, c.trim, c.original_sha256, c.is_default)
                for c in lib.list_voice_clips(v.id)
            ],
        )
        for v in lib.list_voices()
    }


@pytest.fixture
def two_clips(tmp_path):
    root = tmp_path / "lib"
    lib = Library(root, app_version="9.9.9-test")
    st = Studio(lib, DeterministicEngine())
    first, second = tmp_path / "voicemail.wav", tmp_path / "birthday video.wav"
    sf.write(first, voice_like(4.0, 22050), 22050, subtype="PCM_16")
    sf.write(second, np.stack([voice_like(5.0, 48000, seed=3)] * 2, axis=1), 48000, subtype="PCM_24")
    v = st.add_voice(
        "Grandma",
        voice_like(3.0, 22050),
        22050,
        "hello dear",
        original=first,
        consent=ConsentRecord(who="Li Hua", how="letter", basis="family"),
    )
    b = st.add_clip(
        v.id,
        voice_like(3.0, 48000, seed=3),
        48000,
        "happy birthday",
        original=second,
        trim=(1.0, 4.0),
        note="cheerful",
    )
    st.set_default_clip(v.id, b.id)
    photo = tmp_path / "grandma.png"
    photo.write_bytes(PNG_1PX)
    st.set_photo(v.id, photo)
    yield lib, st, photo
    lib.close()


@pytest.mark.parametrize("suffix", ["", ".zip"])
def test_round_trip_with_two_clips_and_a_photo_is_byte_identical_and_verified(two_clips, tmp_path, suffix):
    lib, st, photo = two_clips
    before_files, before = _files(lib.root), _clips(lib)
    assert len(before["Grandma"][2]) == 2
    out = st.export_archive(tmp_path / f"family{suffix}")
    root = lib.root
    lib.close()
    shutil.rmtree(root)
    with Library(root, app_version="9.9.9-test") as fresh:
        Studio(fresh).import_archive(out)
        assert _files(fresh.root) == before_files
        assert _clips(fresh) == before
        assert fresh.check_integrity(verify_hashes=True) == []
        [v] = fresh.list_voices()
        assert v.photo_path is not None and v.photo_path.read_bytes() == photo.read_bytes()
        assert v.transcript == "happy birthday" and v.trim == (1.0, 4.0)  # the default clip


def test_the_bag_lists_every_clip_and_the_photo_and_the_readme_says_so(two_clips, tmp_path):
    _lib, st, _photo = two_clips
    out = st.export_archive(tmp_path / "bag")
    manifest = (out / "manifest-sha256.txt").read_text("utf-8")
    data = out / "data"
    clip_files = sorted(
        p.relative_to(out).as_posix() for p in data.rglob("*.wav") if "/voices/" in p.as_posix()
    )
    photos = [p.relative_to(out).as_posix() for p in data.rglob("photo.*")]
    assert len(photos) == 1 and photos[0] in manifest
    # the default clip, the second clip, and two originals
    assert len(clip_files) == 4 and all(f in manifest for f in clip_files)
    assert any(f.endswith(".txt") and "/clips/" in f for f in manifest.split())
    readme = (data / "README.txt").read_text("utf-8")
    assert "more reference clips" in readme and "photo of the speaker" in readme
    assert "其他参考录音" in readme and "说话人的照片" in readme


def test_a_changed_photo_in_the_archive_is_refused(two_clips, tmp_path):
    lib, st, _photo = two_clips
    out = st.export_archive(tmp_path / "bag")
    [p] = list((out / "data").rglob("photo.*"))
    p.write_bytes(PNG_1PX + b"x")
    root = lib.root
    lib.close()
    shutil.rmtree(root)
    with Library(root) as fresh, pytest.raises(ArchiveChecksumError):
        Studio(fresh).import_archive(out)
    with Library(root) as fresh:
        assert fresh.list_voices() == []


def test_an_archive_of_format_1_imports_with_its_reference_as_the_one_default_clip(two_clips, tmp_path):
    """Archives made before voices had several clips (format 1: one reference, no photo)."""
    import json

    import bagit

    lib, st, _photo = two_clips
    out = st.export_archive(tmp_path / "old")
    data = out / "data"
    index = json.loads((data / "archive.json").read_text("utf-8"))
    for v in index["voices"]:
        for c in v.pop("clips"):
            if not c["default"]:
                (data / c["file"]).unlink()
                (data / (c["file"][: -len(".wav")] + ".txt")).unlink()
                if c["original"] and c["original"] != v["original"]:
                    (data / c["original"]["file"]).unlink()
        (data / v.pop("photo")["file"]).unlink()
    index["format"] = 1
    index["transcripts"] = {k: t for k, t in index["transcripts"].items() if "/clips/" not in k}
    (data / "archive.json").write_text(json.dumps(index), "utf-8")
    for p in out.iterdir():
        if p.is_file():
            p.unlink()
    for p in list(data.iterdir()):
        p.rename(out / p.name)
    data.rmdir()
    bagit.make_bag(str(out), checksums=["sha256"])
    root = lib.root
    lib.close()
    shutil.rmtree(root)
    with Library(root) as fresh:
        Studio(fresh).import_archive(out)
        [v] = fresh.list_voices()
        [clip] = fresh.list_voice_clips(v.id)
        assert clip.is_default and clip.transcript == v.transcript == "happy birthday"
        assert clip.trim == (1.0, 4.0) and v.photo_path is None
        assert fresh.check_integrity(verify_hashes=True) == []
