"""CLI: voices list/add/remove, synth --voice, archive export/import/check, all on --data-dir."""

from __future__ import annotations

import json
import shutil
import struct

import numpy as np
import pytest
import soundfile as sf

from glmtts_desktop.cli import main
from tests.conftest import voice_like


@pytest.fixture
def ref(tmp_path):
    path = tmp_path / "grandma.wav"
    sf.write(path, voice_like(3.0, 22050), 22050, subtype="PCM_16")
    return path


def _add(data, ref, name="Grandma", *extra):
    return main(
        [
            "voices",
            "add",
            name,
            "--reference",
            str(ref),
            "--transcript",
            "Hello dear.",
            "--data-dir",
            str(data),
            *extra,
        ]
    )


def _list(data, capsys):
    capsys.readouterr()
    assert main(["voices", "list", "--json", "--data-dir", str(data)]) == 0
    return json.loads(capsys.readouterr().out)


def test_voices_add_list_remove(tmp_path, ref, capsys):
    data = tmp_path / "data"
    assert (
        _add(
            data,
            ref,
            "Grandma",
            "--consent-basis",
            "family",
            "--consent-who",
            "Aunt May",
            "--consent-how",
            "signed letter",
            "--speaker",
            "my grandmother",
        )
        == 0
    )
    [v] = _list(data, capsys)
    assert (v["name"], v["consent"], v["consent_basis"], v["speaker"]) == (
        "Grandma",
        "given",
        "family",
        "my grandmother",
    )
    # the same recording again is not added silently
    assert _add(data, ref, "Gran") == 2
    assert "already in the library" in capsys.readouterr().err
    assert _add(data, ref, "Gran", "--keep-both") == 0
    assert _add(data, ref, "Half", "--consent-who", "x") == 2  # an incomplete consent is refused
    assert main(["voices", "remove", "Gran", "--data-dir", str(data)]) == 0
    assert [v["name"] for v in _list(data, capsys)] == ["Grandma"]
    assert main(["voices", "remove", "Nobody", "--data-dir", str(data)]) == 2
    assert "no voice called" in capsys.readouterr().err


def test_global_data_dir_before_the_command_works_too(tmp_path, ref, capsys):
    data = tmp_path / "d2"
    assert (
        main(["--data-dir", str(data), "voices", "add", "X", "--reference", str(ref), "--transcript", "t"])
        == 0
    )
    assert [v["name"] for v in _list(data, capsys)] == ["X"]


def _bext_description(path):
    data, pos = path.read_bytes(), 12
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if cid == b"bext":
            return data[pos + 8 : pos + 8 + 256].rstrip(b"\0").decode("ascii")
        pos += 8 + size + (size & 1)
    return None


def test_synth_with_a_saved_voice_and_the_consent_rule(tiny_checkpoint, tmp_path, ref, capsys):
    data = tmp_path / "data"
    assert _add(data, ref, "NoConsent") == 0
    out = tmp_path / "out.wav"
    base = [
        "synth",
        "--voice",
        "noconsent",
        "--text",
        "Hi there.",
        "-o",
        str(out),
        "--data-dir",
        str(data),
        "--model-dir",
        str(tiny_checkpoint),
        "--device",
        "cpu",
        "--seed",
        "2",
    ]
    assert main(base) == 2 and not out.exists()
    assert "no consent record" in capsys.readouterr().err
    assert main([*base, "--consent-acknowledged"]) == 0
    assert sf.info(out).samplerate == 24000
    assert "AI-generated speech" in _bext_description(out)
    side = json.loads(out.with_suffix(".json").read_text("utf-8"))
    assert side["voice"]["name"] == "NoConsent" and side["seed"] == 2 and side["ai_generated"] is True


def _library_state(data):
    """Everything the family archive must bring back: voices with consent and evidence, every
    stored file's bytes (originals, references, clips, evidence, generations), history rows."""
    import hashlib

    from glmtts_desktop.library import Library

    root = data / "library"
    with Library(root) as lib:
        voices = {
            v.name: (
                v.id,
                v.transcript,
                v.speaker,
                v.reference_sha256,
                v.original_sha256,
                None
                if v.consent is None
                else (v.consent.basis, v.consent.who, v.consent.how, v.consent.evidence_sha256),
            )
            for v in lib.list_voices()
        }
        gens = {
            g.id: (g.text, g.voice_id, g.voice_name, g.seed, g.sample_rate, g.sha256, g.settings)
            for g in lib.list_generations(limit=1000)
        }
    files = {
        p.relative_to(root / "audio").as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (root / "audio").rglob("*")
        if p.is_file() and p.suffix != ".json"
    }
    return voices, gens, files


def test_family_archive_export_delete_everything_import_check(tiny_checkpoint, tmp_path, ref, capsys):
    """The issue's "Done when", from the command line: several voices with consent records,
    generations made with them (kept in the history by synth), export, delete everything,
    import: every voice, clip, consent and generation back, byte for byte, and verified."""
    data = tmp_path / "data"
    letter = tmp_path / "consent letter.pdf"
    letter.write_bytes(b"%PDF-1.4 signed by Aunt May")
    consent = ["--consent-basis", "family", "--consent-who", "Aunt May", "--consent-how", "signed letter"]
    assert _add(data, ref, "Grandma", *consent, "--consent-evidence", str(letter), "--speaker", "gran") == 0
    dad = tmp_path / "dad.wav"
    sf.write(dad, voice_like(3.0, 16000, f0=110, seed=3), 16000, subtype="PCM_16")
    assert (
        _add(data, dad, "Dad", "--consent-basis", "self", "--consent-who", "Dad", "--consent-how", "me") == 0
    )
    for i, (voice, text) in enumerate((("Grandma", "Happy birthday."), ("Dad", "See you soon."))):
        out = tmp_path / f"out{i}.wav"
        args = _synth_args(tiny_checkpoint, out, "--voice", voice, "--data-dir", str(data), text=text)
        assert main(args) == 0
    unsaved = tmp_path / "unsaved.wav"
    assert main(_synth_args(tiny_checkpoint, unsaved, "--reference", str(ref), "--data-dir", str(data))) == 0
    before = _library_state(data)
    assert sorted(before[0]) == ["Dad", "Grandma"]
    assert sorted(g[0] for g in before[1].values()) == ["Happy birthday.", "Kept for later.", "See you soon."]
    archive = tmp_path / "family.zip"
    capsys.readouterr()
    assert main(["archive", "export", str(archive), "--data-dir", str(data)]) == 0
    assert "Exporting: 100%" in capsys.readouterr().err  # progress, fed by the library
    assert main(["archive", "check", "--data-dir", str(data)]) == 0

    shutil.rmtree(data)  # delete everything
    assert main(["archive", "import", str(archive), "--data-dir", str(data)]) == 0
    assert _library_state(data) == before  # every voice, consent, clip and generation, every byte
    assert main(["archive", "check", "--data-dir", str(data)]) == 0
    listed = {v["name"]: v for v in _list(data, capsys)}
    assert {n: (v["consent"], v["consent_basis"]) for n, v in listed.items()} == {
        "Grandma": ("given", "family"),
        "Dad": ("given", "self"),
    }

    # the same archive again is not added silently
    assert main(["archive", "import", str(archive), "--data-dir", str(data)]) == 2
    assert "--skip-existing or --keep-both" in capsys.readouterr().err
    assert main(["archive", "import", str(archive), "--skip-existing", "--data-dir", str(data)]) == 0
    assert _library_state(data) == before
    # a changed file makes check fail and name it
    wav = next((data / "library" / "audio" / "originals").rglob("*.wav"))
    x, sr = sf.read(wav)
    sf.write(wav, np.asarray(x) * 0.5, sr, subtype="PCM_16")
    capsys.readouterr()
    assert main(["archive", "check", "--data-dir", str(data)]) == 1
    captured = capsys.readouterr()
    assert wav.name in captured.out and "checksum mismatch" in captured.out


def test_batch_refuses_an_uttid_whose_sidecar_would_replace_the_summary(tmp_path, ref):
    from glmtts_desktop.commands.batch import parse_jobs

    jobs_file = tmp_path / "jobs.jsonl"
    lines = [
        {"uttid": uttid, "prompt_text": "hi", "prompt_speech": str(ref), "syn_text": "hello"}
        for uttid in ("summary", "Summary", "ok")
    ]
    jobs_file.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    jobs, bad = parse_jobs(jobs_file, "wav")
    assert [j.uttid for j in jobs] == ["ok"]
    assert [b.uttid for b in bad] == ["summary", "Summary"] and "reserved" in bad[0].error


def _synth_args(tiny_checkpoint, out, *extra, text="Kept for later."):
    return [
        "synth",
        "--text",
        text,
        "-o",
        str(out),
        "--model-dir",
        str(tiny_checkpoint),
        "--device",
        "cpu",
        "--seed",
        "5",
        *extra,
    ]


def test_synth_output_is_kept_in_the_history_and_again_remakes_it(
    tiny_checkpoint, tiny_engine, tmp_path, ref, capsys
):
    from glmtts_desktop.library import Library
    from glmtts_desktop.studio import Studio

    data = tmp_path / "data"
    out = tmp_path / "kept.wav"
    assert (
        main(
            _synth_args(
                tiny_checkpoint,
                out,
                "--reference",
                str(ref),
                "--reference-text",
                "Hello dear.",
                "--data-dir",
                str(data),
            )
        )
        == 0
    )
    assert "Kept in the history" in capsys.readouterr().err
    side = json.loads(out.with_suffix(".json").read_text("utf-8"))
    with Library(data / "library") as lib:
        [g] = lib.list_generations()
        assert (g.text, g.voice_name, g.seed, g.sample_rate) == ("Kept for later.", "grandma", 5, 24000)
        assert g.settings["transcript"] == "Hello dear." and g.model_info["fingerprint"]
        assert side["id"] == g.id  # the -o file names its history entry
        first, sr = lib.load_generation_audio(g.id)
        again = Studio(lib, tiny_engine).regenerate(g.id)  # "Again": the same audio
        assert again.record.sample_rate == sr and again.record.seed == 5
        remade, _ = lib.load_generation_audio(again.id)
        np.testing.assert_array_equal(remade, first)
    # --no-history: the file is still written with its sidecar, the history gets nothing new
    out2 = tmp_path / "not-kept.wav"
    args = _synth_args(tiny_checkpoint, out2, "--reference", str(ref), "--data-dir", str(data))
    assert main([*args, "--no-history"]) == 0
    assert out2.with_suffix(".json").is_file()
    with Library(data / "library") as lib:
        assert len(lib.list_generations()) == 2  # the first one and its "Again"


def test_batch_keeps_each_item_in_the_history(tiny_checkpoint, tmp_path, ref):
    from glmtts_desktop.library import Library

    jobs = tmp_path / "jobs.jsonl"
    lines = [
        {"uttid": u, "prompt_text": "Hello dear.", "prompt_speech": str(ref), "syn_text": t}
        for u, t in (("a", "First line."), ("b", "Second line."))
    ]
    jobs.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    base = [
        "batch",
        str(jobs),
        "--model-dir",
        str(tiny_checkpoint),
        "--device",
        "cpu",
        "--data-dir",
        str(data),
    ]
    assert main([*base, "--out", str(tmp_path / "out")]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    with Library(data / "library") as lib:
        kept = {g.id: g for g in lib.list_generations()}
        assert sorted(g.text for g in kept.values()) == ["First line.", "Second line."]
        assert {i["history_id"] for i in summary["items"]} == set(kept)
    assert main([*base, "--out", str(tmp_path / "out2"), "--no-history"]) == 0
    with Library(data / "library") as lib:
        assert len(lib.list_generations()) == 2
