"""Outputs and references that used to lose work or mislead (issue 11, items 15 and 16)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from glmtts_desktop.cli import main
from glmtts_desktop.commands._names import batch_file_name, safe_terminal_text
from glmtts_desktop.engine.errors import ReferenceAudioError
from glmtts_desktop.engine.prompt_audio import check_prompt_audio
from glmtts_desktop.errors import InvalidInputError
from tests.cli.cli_helpers import assert_one_error_line, make_read_only
from tests.cli.test_engine_commands import synth_args
from tests.conftest import voice_like

SR = 16000

# ----------------------------------------------------------------------------- synth outputs


def test_output_equal_to_the_reference_is_refused(reference_wav, tiny_checkpoint, tmp_path, capsys):
    ref = tmp_path / "my_voice.wav"
    shutil.copy(reference_wav, ref)
    before = ref.read_bytes()
    same = tmp_path / "." / "my_voice.wav"  # another spelling of the same file
    assert main(synth_args(tiny_checkpoint, ref, same, "--overwrite")) == 2
    assert "same file" in assert_one_error_line(capsys.readouterr().err)
    assert ref.read_bytes() == before


def test_an_existing_output_needs_overwrite(reference_wav, tiny_checkpoint, tmp_path, capsys):
    out = tmp_path / "out.wav"
    out.write_bytes(b"earlier take")
    assert main(synth_args(tiny_checkpoint, reference_wav, out)) == 2
    assert "--overwrite" in assert_one_error_line(capsys.readouterr().err)
    assert out.read_bytes() == b"earlier take"
    assert main(synth_args(tiny_checkpoint, reference_wav, out, "--overwrite")) == 0
    assert sf.info(out).samplerate == 24000


def test_an_unwritable_output_folder_fails_before_the_model_loads(
    reference_wav, tiny_checkpoint, tmp_path, capsys, monkeypatch
):
    ro = make_read_only(tmp_path / "ro", monkeypatch)
    assert main(synth_args(tiny_checkpoint, reference_wav, ro / "new" / "out.wav")) == 6
    err = capsys.readouterr().err
    assert "Cannot write" in assert_one_error_line(err)
    assert "Loading GLM-TTS" not in err


# ----------------------------------------------------------------------------- references


def _noise(seconds: float, level: float = 1e-4) -> np.ndarray:
    return (level * np.random.default_rng(1).standard_normal(int(seconds * SR))).astype(np.float32)


@pytest.mark.parametrize(
    "name, audio, words",
    [
        ("absurd values", voice_like(4.0, SR) * np.float32(1e30), "outside the normal range"),
        ("one click", np.concatenate([_noise(2.0), [0.9], _noise(2.0)]).astype(np.float32), "almost silent"),
        ("pure DC", np.full(4 * SR, 0.4, np.float32), "constant offset"),
        ("1.99 s", voice_like(1.99, SR), "too short (1.99 s)"),
    ],
)
def test_unusable_references_are_refused_with_the_reason(name, audio, words):
    with pytest.raises(ReferenceAudioError) as info:
        check_prompt_audio(audio, SR)
    assert words in info.value.user_text()


def test_real_voices_still_pass():
    quiet = voice_like(3.0, SR) * np.float32(0.03)  # about -40 dBFS speech
    offset = voice_like(3.0, SR) + np.float32(0.2)  # speech on a DC offset
    loud_float = voice_like(3.0, SR) * np.float32(4.0)  # a float file that overshoots 1.0
    for audio in (quiet, offset, loud_float):
        assert check_prompt_audio(audio, SR).size == audio.size


def test_a_float_file_of_1e30_is_blamed_on_the_reference(tiny_checkpoint, tmp_path, capsys):
    ref = tmp_path / "float.wav"
    sf.write(ref, voice_like(4.0, SR) * np.float32(1e30), SR, subtype="FLOAT")
    out = tmp_path / "out.wav"
    assert main(synth_args(tiny_checkpoint, ref, out)) == 2
    line = assert_one_error_line(capsys.readouterr().err)
    assert "reference" in line and "outside the normal range" in line
    assert not out.exists()


def test_a_40_minute_file_is_reported_with_its_real_length(tmp_path, capsys):
    from glmtts_desktop.commands._engine_args import load_reference

    path = tmp_path / "long.wav"
    with sf.SoundFile(path, "w", samplerate=8000, channels=1, subtype="PCM_16") as fh:
        block = (voice_like(60.0, 8000) * 32767).astype(np.int16)
        for _ in range(40):
            fh.write(block)
    samples, sr = load_reference(path)
    assert len(samples) == 30 * sr
    err = capsys.readouterr().err
    assert "2400.00 s (40:00)" in err and "31.0" not in err


# ----------------------------------------------------------------------------- batch names


@pytest.mark.parametrize(
    "uttid, expected",
    [
        ("trail\n", "trail.wav"),
        ("\x1b]0;owned\x07title", "]0;ownedtitle.wav"),
        ("  spaced. ", "spaced.wav"),
        ("中文_01", "中文_01.wav"),
        ("é" * 122, "é" * 122 + ".wav"),  # 244 bytes + ".wav" = 248 bytes: legal
    ],
)
def test_uttids_become_safe_file_names(uttid, expected):
    assert batch_file_name(uttid, "wav") == expected


@pytest.mark.parametrize("uttid", ["CON", "nul.txt", "com1", "Lpt9", "a/b", "..\\x", "\n\t", "é" * 126])
def test_unusable_uttids_are_refused(uttid):
    with pytest.raises(InvalidInputError):
        batch_file_name(uttid, "wav")


def test_escape_sequences_are_never_echoed_raw():
    shown = safe_terminal_text("a\x1b[2Jb\x1b]0;title\x07\u202eevil\n")
    assert not any(ord(ch) < 32 or ch == "\u202e" for ch in shown)
    assert "\\x1b" in shown


def test_a_long_legal_name_is_written_despite_the_temporary_name(tmp_path):
    from glmtts_desktop.fsutil import atomic_write_bytes

    name = "é" * 125 + ".wav"  # 254 bytes: the old temporary name (.NAME.tmp-<32 hex>) was 292
    atomic_write_bytes(tmp_path / name, b"data")
    assert [p.name for p in tmp_path.iterdir()] == [name]


def _job(uttid: str, text: str = "Hello there.") -> str:
    return json.dumps(
        {"uttid": uttid, "prompt_text": "Hello, this is me.", "prompt_speech": "voice.wav", "syn_text": text}
    )


def test_batch_names_and_existing_outputs(tiny_checkpoint, reference_wav, tmp_path, capsys):
    shutil.copy(reference_wav, tmp_path / "voice.wav")
    long_id = "é" * 122
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(
        "\n".join([_job("trail\n"), _job("\x1b[2Jclear"), _job("CON"), _job(long_id), _job("kept")]) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.wav").write_bytes(b"an earlier run")
    args = ["batch", str(jobs), "--out", str(out), "--model-dir", str(tiny_checkpoint), "--device", "cpu"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err
    audio = sorted(p.name for p in out.iterdir() if p.suffix == ".wav")
    assert audio == sorted(["trail.wav", "[2Jclear.wav", f"{long_id}.wav", "kept.wav"])
    assert not [p.name for p in out.iterdir() if ".tmp-" in p.name]
    assert (out / "kept.wav").read_bytes() == b"an earlier run"
    items = {i["line"]: i for i in json.loads((out / "summary.json").read_text("utf-8"))["items"]}
    assert not items[3]["ok"] and "reserved" in items[3]["error"]
    assert not items[5]["ok"] and "--overwrite" in items[5]["error"]
    assert [items[n]["ok"] for n in (1, 2, 4)] == [True, True, True]


# ----------------------------------------------------------------------------- interruption


def test_sigterm_stops_a_batch_which_still_writes_its_summary(tiny_checkpoint, reference_wav, tmp_path):
    """The real signal, to a real process: exit 143, one error line, a summary, no temp files."""
    shutil.copy(reference_wav, tmp_path / "voice.wav")
    jobs = tmp_path / "jobs.jsonl"
    long_text = " ".join(["This sentence keeps the batch busy for a while."] * 6)
    lines = [_job("j0", "Hi.")] + [_job(f"j{i}", long_text) for i in range(1, 6)]
    jobs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "glmtts_desktop", "batch", str(jobs), "--out", str(out)]
    cmd += ["--model-dir", str(tiny_checkpoint), "--device", "cpu"]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 300
        # wait for the condition: the first job is done (its provenance sidecar is written last;
        # the batch holds signals until a written item is counted, see the next test)
        while not (out / "j0.json").exists():
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the first job never finished"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err
    assert "terminated" in assert_one_error_line(err)
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["succeeded"] >= 1 and summary["total"] == 6
    assert any("interrupted" in (i["error"] or "") for i in summary["items"])
    assert not [p.name for p in out.iterdir() if ".tmp-" in p.name]


def test_sigterm_right_after_an_item_is_written_still_counts_it(
    tiny_checkpoint, reference_wav, tmp_path, monkeypatch, capsys
):
    """The race the test above met under load, made certain: SIGTERM lands while the last
    write of the first item (its sidecar) is being made durable. That item is in the history
    and on disk, so the summary must call it done, not "not run"."""
    from glmtts_desktop import fsutil

    shutil.copy(reference_wav, tmp_path / "voice.wav")
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text("\n".join(_job(f"j{i}", "Hi.") for i in range(2)) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    real_fsync_dir = fsutil.fsync_dir
    sent = []

    def fsync_dir(folder: Path) -> None:
        real_fsync_dir(folder)
        if not sent and (out / "j0.json").exists():
            sent.append(True)
            os.kill(os.getpid(), signal.SIGTERM)  # what `kill` does, at the worst moment

    monkeypatch.setattr(fsutil, "fsync_dir", fsync_dir)
    args = ["batch", str(jobs), "--out", str(out), "--model-dir", str(tiny_checkpoint), "--device", "cpu"]
    assert main(args) == 143
    assert sent
    assert "terminated" in assert_one_error_line(capsys.readouterr().err)
    items = json.loads((out / "summary.json").read_text("utf-8"))["items"]
    assert [(i["uttid"], i["ok"]) for i in items] == [("j0", True), ("j1", False)]
    assert items[0]["history_id"] and "interrupted" in items[1]["error"]


def test_ctrl_c_in_a_batch_still_writes_its_summary(
    tiny_checkpoint, reference_wav, tmp_path, monkeypatch, capsys
):
    from glmtts_desktop.engine.engine import Engine

    shutil.copy(reference_wav, tmp_path / "voice.wav")
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text("\n".join(_job(f"j{i}", "Hi.") for i in range(3)) + "\n", encoding="utf-8")
    real = Engine.synthesize
    calls = []

    def synthesize(self, request, **kw):
        calls.append(request.text)
        if len(calls) == 2:
            raise KeyboardInterrupt  # what Ctrl+C raises in the main thread
        return real(self, request, **kw)

    monkeypatch.setattr(Engine, "synthesize", synthesize)
    out = tmp_path / "out"
    args = ["batch", str(jobs), "--out", str(out), "--model-dir", str(tiny_checkpoint), "--device", "cpu"]
    assert main(args) == 130
    assert "interrupted" in assert_one_error_line(capsys.readouterr().err)
    items = json.loads((out / "summary.json").read_text("utf-8"))["items"]
    assert [i["ok"] for i in items] == [True, False, False]
    assert all("interrupted" in i["error"] for i in items[1:])
