"""The command line, end to end on the tiny checkpoint: outputs, exit codes, nothing half-written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from glmtts_desktop.cli import main
from tests.conftest import voice_like


def synth_args(ckpt: Path, ref: Path, out: Path, *extra: str) -> list[str]:
    return [
        "synth",
        "--model-dir",
        str(ckpt),
        "--reference",
        str(ref),
        "--reference-text",
        "Hello, this is me.",
        "--text",
        "Nice to meet you.",
        "-o",
        str(out),
        "--device",
        "cpu",
        *extra,
    ]


@pytest.mark.parametrize("rate, hop", [(24000, 480), (32000, 640)])
def test_synth_writes_audio_at_the_chosen_rate(tiny_checkpoint, reference_wav, tmp_path, rate, hop, capsys):
    out = tmp_path / f"out{rate}.wav"
    assert (
        main(synth_args(tiny_checkpoint, reference_wav, out, "--sample-rate", str(rate), "--seed", "3")) == 0
    )
    info = sf.info(out)
    assert info.samplerate == rate and info.channels == 1
    assert info.frames % hop == 0 and info.frames >= 2 * hop
    assert "RANDOM weights" in capsys.readouterr().err
    # the audio and its provenance sidecar, no temp file left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.with_suffix(".json").name, out.name]


@pytest.fixture
def spoken(monkeypatch):
    """What the real engine read for each synthesis the CLI ran: the model text of every segment."""
    from glmtts_desktop.engine.engine import Engine

    runs: list[list[str]] = []
    real = Engine.synthesize

    def spy(self, request, **kwargs):
        result = real(self, request, **kwargs)
        runs.append([seg.model_text for seg in result.segments])
        return result

    monkeypatch.setattr(Engine, "synthesize", spy)
    return runs


def test_overrides_and_phoneme_mode_change_what_is_spoken(tiny_checkpoint, reference_wav, tmp_path, spoken):
    overrides = tmp_path / "G2P_replace_dict.jsonl"
    overrides.write_text(json.dumps({"行": "<|X|><|ING2|>"}, ensure_ascii=False) + "\n", encoding="utf-8")
    options = {
        "plain": (),
        "phoneme": ("--phoneme",),
        "both": ("--phoneme", "--overrides", str(overrides)),
    }
    audio = {}
    for name, extra in options.items():
        out = tmp_path / f"{name}.flac"
        args = synth_args(tiny_checkpoint, reference_wav, out, "--seed", "7", *extra)
        args[args.index("--text") + 1] = "我们一起去银行。"
        assert main(args) == 0
        assert sf.info(out).format == "FLAC"
        audio[name] = sf.read(out, dtype="float32")[0]
    read = dict(zip(options, spoken, strict=True))
    assert read["plain"] == ["我们一起去银行。"]
    # phoneme mode spells the polyphonic 行 of 银行 as its phonemes (háng), the rest stays text
    assert read["phoneme"] == ["我们一起去银<|H|><|ANG2|>。"]
    # the user's reading wins over the phoneme rules
    assert read["both"] == ["我们一起去银<|X|><|ING2|>。"]
    # and the model hears it: same seed, different input, different audio
    assert not np.array_equal(audio["plain"], audio["phoneme"])
    assert not np.array_equal(audio["phoneme"], audio["both"])


def test_the_installed_entry_point_runs(tiny_checkpoint, reference_wav, tmp_path):
    out = tmp_path / "sub.wav"
    proc = subprocess.run(
        [sys.executable, "-m", "glmtts_desktop", *synth_args(tiny_checkpoint, reference_wav, out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert sf.info(out).samplerate == 24000


@pytest.mark.parametrize(
    "case, code, words",
    [
        ("missing_model", 3, "does not exist"),
        ("wrong_folder", 3, "does not look like"),
        ("unreadable_ref", 2, "broken.wav could not be read as audio"),
        ("silent_ref", 2, "silent"),
        ("short_ref", 2, "too short"),
        ("empty_text", 2, "empty"),
    ],
)
def test_bad_input_fails_clearly_and_writes_nothing(
    case, code, words, tiny_checkpoint, reference_wav, tmp_path, capsys
):
    ckpt, ref, text = tiny_checkpoint, reference_wav, "Hello."
    if case == "missing_model":
        ckpt = tmp_path / "nowhere"
    elif case == "wrong_folder":
        ckpt = tmp_path
    elif case == "unreadable_ref":
        ref = tmp_path / "broken.wav"
        ref.write_bytes(b"this is not audio at all" * 10)
    elif case == "silent_ref":
        ref = tmp_path / "silent.wav"
        sf.write(ref, np.zeros(48000, np.float32), 16000)
    elif case == "short_ref":
        ref = tmp_path / "short.wav"
        sf.write(ref, voice_like(1.0, 16000), 16000)
    elif case == "empty_text":
        text = "   "
    out = tmp_path / "out" / "never.wav"
    args = synth_args(ckpt, ref, out)
    args[args.index("--text") + 1] = text
    assert main(args) == code
    err = capsys.readouterr().err
    assert err.startswith("error:") or "\nerror:" in err
    assert words.lower() in err.lower()
    assert not out.exists()


def test_truncated_weights_are_named(tiny_checkpoint, reference_wav, tmp_path, capsys):
    broken = tmp_path / "ckpt"
    shutil.copytree(tiny_checkpoint, broken)
    flow = broken / "flow" / "flow.pt"
    flow.write_bytes(flow.read_bytes()[: flow.stat().st_size // 2])
    assert main(synth_args(broken, reference_wav, tmp_path / "x.wav")) == 3
    assert "flow.pt" in capsys.readouterr().err


def test_batch_runs_good_lines_and_reports_bad_ones(tiny_checkpoint, reference_wav, tmp_path):
    shutil.copy(reference_wav, tmp_path / "voice.wav")
    jobs = tmp_path / "jobs.jsonl"
    lines = [
        {
            "uttid": "good_1",
            "prompt_text": "Hello, this is me.",
            "prompt_speech": "voice.wav",
            "syn_text": "First one.",
        },
        "{not json",
        {"uttid": "missing_audio", "prompt_text": "x", "prompt_speech": "nope.wav", "syn_text": "Second."},
        {"uttid": "../escape", "prompt_text": "x", "prompt_speech": "voice.wav", "syn_text": "Third."},
        {
            "uttid": "good_2",
            "prompt_text": "Hello, this is me.",
            "prompt_speech": "voice.wav",
            "syn_text": "Fourth.",
        },
    ]
    jobs.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    code = main(
        ["batch", str(jobs), "--out", str(out), "--model-dir", str(tiny_checkpoint), "--device", "cpu"]
    )
    assert code == 1  # some lines failed, the rest ran
    assert sf.info(out / "good_1.wav").samplerate == 24000
    assert sf.info(out / "good_2.wav").frames > 0
    assert not (tmp_path / "escape.wav").exists()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["total"], summary["succeeded"], summary["failed"]) == (5, 2, 3)
    failed = {item["line"]: item["error"] for item in summary["items"] if not item["ok"]}
    assert set(failed) == {2, 3, 4}
    compare = [
        json.loads(row) for row in (out / "text_compare.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [c["uttid"] for c in compare] == ["good_1", "good_2"]


def test_make_checkpoint_refuses_a_non_empty_folder(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["dev", "make-checkpoint", str(tmp_path)]) == 2
    assert (tmp_path / "keep.txt").read_text() == "mine"
