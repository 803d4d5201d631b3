"""Exported files carry the AI label and provenance, read back with readers that are not ours:
libsndfile (RIFF INFO), a chunk walker written here from the EBU 3285 layout (bext), mutagen
(FLAC/Ogg Vorbis comments), and the JSON sidecar."""

from __future__ import annotations

import json
import struct

import pytest
import soundfile as sf

from glmtts_desktop.library import ConsentRecord
from glmtts_desktop.studio import GenerationSettings
from glmtts_desktop.studio.studio import weights_fingerprint
from tests.studio.studio_fakes import DeterministicEngine

CONSENT = ConsentRecord(who="Li Hua", how="signed letter", when="2026-05-01", basis="family")
LABEL_WORDS = "AI-generated speech"


def _chunks(path):
    """An independent RIFF walker: {id: payload} of the top-level chunks."""
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert struct.unpack_from("<I", data, 4)[0] == len(data) - 8
    out, pos = {}, 12
    while pos + 8 <= len(data):
        cid = data[pos : pos + 4].decode("ascii")
        size = struct.unpack_from("<I", data, pos + 4)[0]
        out[cid] = data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
    assert pos == len(data)
    return out


def _info(payload: bytes) -> dict[str, str]:
    assert payload[:4] == b"INFO"
    out, pos = {}, 4
    while pos + 8 <= len(payload):
        key = payload[pos : pos + 4].decode("ascii")
        size = struct.unpack_from("<I", payload, pos + 4)[0]
        out[key] = payload[pos + 8 : pos + 8 + size].rstrip(b"\x00").decode("utf-8")
        pos += 8 + size + (size & 1)
    return out


@pytest.fixture
def generation(studio, clip_audio):
    samples, sr = clip_audio
    v = studio.add_voice("奶奶 Li", samples, sr, "hello", consent=CONSENT)
    return studio.generate(v.id, "Good morning, dear.", GenerationSettings(seed=11, method="topk"))


def test_wav_export_has_info_and_bext_chunks(studio, generation, tmp_path):
    out = studio.export_generation(generation.id, tmp_path / "out.wav")
    info = sf.info(str(out))  # libsndfile still reads it as ordinary audio
    assert info.samplerate == 24000 and info.frames == len(generation.audio)
    with sf.SoundFile(str(out)) as f:  # libsndfile's own INFO parser
        assert LABEL_WORDS in f.comment and "奶奶 Li" in f.artist
        assert "GLM-TTS Desktop 9.9.9-test" in f.software and f.date == generation.record.created_at[:10]
    chunks = _chunks(out)
    assert list(chunks)[:2] == ["fmt ", "bext"] and "data" in chunks
    fields = _info(chunks["LIST"])
    assert LABEL_WORDS in fields["ICMT"] and fields["IGNR"] == "AI-generated speech"
    assert "rev-test" in fields["ISFT"]
    bext = chunks["bext"]
    description = bext[:256].rstrip(b"\x00").decode("ascii")
    originator = bext[256:288].rstrip(b"\x00").decode("ascii")
    date, time_ = bext[320:330].decode(), bext[330:338].decode()
    version = struct.unpack_from("<H", bext, 346)[0]
    assert LABEL_WORDS in description and "rev-test" in description
    assert originator == "GLM-TTS Desktop" and version == 1
    assert date == generation.record.created_at[:10] and time_ == generation.record.created_at[11:19]
    assert b"AI-generated" in bext[602:]  # coding history


def test_library_file_itself_carries_the_tags(generation):
    fields = _info(_chunks(generation.record.path)["LIST"])
    assert LABEL_WORDS in fields["ICMT"] and "奶奶 Li" in fields["IART"]


@pytest.mark.parametrize("suffix", [".flac", ".ogg"])
def test_flac_and_ogg_exports_have_vorbis_comments(studio, generation, tmp_path, suffix):
    import mutagen

    out = studio.export_generation(generation.id, tmp_path / f"out{suffix}")
    tags = mutagen.File(str(out)).tags
    assert tags["AI_GENERATED"] == ["yes"] and LABEL_WORDS in tags["COMMENT"][0]
    assert tags["SYNTHETIC_VOICE"] == ["奶奶 Li"] and tags["MODEL_REVISION"] == ["rev-test"]
    assert tags["APP_VERSION"] == ["9.9.9-test"] and tags["DATE"] == [generation.record.created_at[:10]]


def test_sidecar_has_everything_to_make_it_again(studio, generation, tmp_path):
    out = studio.export_generation(generation.id, tmp_path / "x.wav")
    side = json.loads((tmp_path / "x.json").read_text("utf-8"))
    assert side["ai_generated"] is True and LABEL_WORDS in side["label"]
    assert side["voice"]["name"] == "奶奶 Li" and side["voice"]["transcript"] == "hello"
    assert side["text"] == "Good morning, dear." and side["normalized_text"] == "Good morning, dear."
    assert side["seed"] == 11 and side["weights_fingerprint"] == weights_fingerprint(DeterministicEngine())
    assert GenerationSettings.from_dict(side["settings"]) == GenerationSettings(seed=11, method="topk")
    assert side["overrides"] == [] and side["audio"]["file"] == out.name


def test_default_export_name(studio, generation):
    name = studio.default_export_name(generation.id)
    assert name == f"奶奶 Li {generation.record.created_at[:10]}.wav"
    studio.rename_generation(generation.id, 'a/b: "c"?')
    assert studio.default_export_name(generation.id, ".flac").startswith("a b c")


def test_unsupported_export_type_is_refused(studio, generation, tmp_path):
    from glmtts_desktop.errors import InvalidInputError

    with pytest.raises(InvalidInputError):
        studio.export_generation(generation.id, tmp_path / "x.mp4")
