"""Every failure a person can cause on the command line ends in one ``error:`` line with the
exit code README.md documents, and never loses their files (issue 11, items 13, 14, 17)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal

import pytest

from glmtts_desktop.cli import main, run_command
from glmtts_desktop.engine.checkpoint import GENERATED_MARKER
from glmtts_desktop.engine.seeds import MAX_SEED, check_seed
from glmtts_desktop.errors import InvalidInputError, OutOfMemoryError
from tests.cli.cli_helpers import assert_one_error_line, make_read_only
from tests.cli.test_engine_commands import synth_args

# ----------------------------------------------------------------------------- make-checkpoint


def test_overwrite_never_deletes_a_folder_the_command_did_not_make(tmp_path, capsys):
    thesis = tmp_path / "docs"
    (thesis / "photos").mkdir(parents=True)
    (thesis / "thesis.tex").write_text("years of work")
    (thesis / "photos" / "a.jpg").write_bytes(b"\xff\xd8")
    assert main(["dev", "make-checkpoint", str(thesis), "--overwrite"]) == 2
    assert_one_error_line(capsys.readouterr().err)
    assert (thesis / "thesis.tex").read_text() == "years of work"
    assert (thesis / "photos" / "a.jpg").exists()


def test_a_marker_alone_does_not_make_a_folder_ours(tmp_path, tiny_checkpoint, capsys):
    """Our marker copied into a person's folder, or their file added to ours: still refused."""
    mixed = tmp_path / "mixed"
    shutil.copytree(tiny_checkpoint, mixed)
    (mixed / "notes.txt").write_text("mine")
    assert main(["dev", "make-checkpoint", str(mixed), "--overwrite"]) == 2
    assert_one_error_line(capsys.readouterr().err)
    assert (mixed / "notes.txt").read_text() == "mine"


def test_overwrite_replaces_its_own_folder_and_leaves_a_sibling_partial_alone(
    tmp_path, tiny_checkpoint, capsys
):
    dst = tmp_path / "ckpt"
    shutil.copytree(tiny_checkpoint, dst)  # made by the command (the session fixture)
    before = json.loads((dst / GENERATED_MARKER).read_text())
    sibling = tmp_path / "ckpt.partial"
    sibling.mkdir()
    (sibling / "draft.txt").write_text("not the command's")
    assert main(["dev", "make-checkpoint", str(dst), "--overwrite", "--seed", "7"]) == 0
    after = json.loads((dst / GENERATED_MARKER).read_text())
    assert (before["seed"], after["seed"]) == (0, 7)
    assert (sibling / "draft.txt").read_text() == "not the command's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt", "ckpt.partial"]  # no temp folder left


def test_without_overwrite_its_own_folder_is_kept(tmp_path, tiny_checkpoint, capsys):
    dst = tmp_path / "ckpt"
    shutil.copytree(tiny_checkpoint, dst)
    assert main(["dev", "make-checkpoint", str(dst)]) == 2
    assert "--overwrite" in assert_one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("kind", ["file", "symlink"])
def test_make_checkpoint_onto_a_file_or_symlink_is_one_error_line(tmp_path, kind, capsys):
    target = tmp_path / "precious.txt"
    target.write_text("keep")
    dst = target
    if kind == "symlink":
        real = tmp_path / "real"
        real.mkdir()
        dst = tmp_path / "link"
        dst.symlink_to(real, target_is_directory=True)
    assert main(["dev", "make-checkpoint", str(dst), "--overwrite"]) == 2
    assert_one_error_line(capsys.readouterr().err)
    assert target.read_text() == "keep"
    if kind == "symlink":
        assert dst.is_symlink() and not any((tmp_path / "real").iterdir())


# ----------------------------------------------------------------------------- seeds


def test_seed_range_is_checked_everywhere(capsys):
    assert check_seed(MAX_SEED) == MAX_SEED
    for bad in (MAX_SEED + 1, -1, "12x"):
        with pytest.raises(InvalidInputError):
            check_seed(bad)


def test_a_huge_seed_is_one_usage_line_not_an_overflow(tiny_checkpoint, reference_wav, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(synth_args(tiny_checkpoint, reference_wav, tmp_path / "o.wav", "--seed", str(2**63)))
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Overflow" not in err and "Traceback" not in err
    assert f"0 to {MAX_SEED}" in err


def test_the_engine_takes_the_largest_seed_and_refuses_one_more(tiny_engine, reference_wav):
    import soundfile as sf

    from glmtts_desktop.engine import SynthesisRequest

    samples, sr = sf.read(reference_wav, dtype="float32")
    voice = tiny_engine.prepare_voice(samples, sr, "Hello, this is me.")
    result = tiny_engine.synthesize(SynthesisRequest(text="Hi.", voice=voice, seed=MAX_SEED))
    assert result.audio.size > 0
    with pytest.raises(InvalidInputError):
        SynthesisRequest(text="Hi.", voice=voice, seed=MAX_SEED + 1)


# ----------------------------------------------------------------------------- memory


def test_running_out_of_ram_is_exit_5_with_one_line(capsys):
    import torch

    def allocate(_args):
        return torch.empty(1 << 50)  # 4 PiB: the CPU allocator refuses at once

    assert run_command(argparse.Namespace(func=allocate)) == 5
    assert "ran out of memory" in assert_one_error_line(capsys.readouterr().err)


def test_the_engine_types_a_cpu_allocation_failure():
    import torch

    from glmtts_desktop.engine.oom import translate_oom

    with pytest.raises(OutOfMemoryError) as info, translate_oom():
        torch.zeros(1 << 50)
    assert info.value.exit_code == 5


# ----------------------------------------------------------------------------- files and folders


def test_batch_out_an_existing_file(tmp_path, capsys):
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(json.dumps({"uttid": "a", "prompt_text": "x", "prompt_speech": "v.wav", "syn_text": "y"}))
    out = tmp_path / "out"
    out.write_text("a file")
    assert main(["batch", str(jobs), "--out", str(out), "--model-dir", str(tmp_path)]) == 2
    assert_one_error_line(capsys.readouterr().err)
    assert out.read_text() == "a file"


def test_batch_out_a_read_only_folder(tmp_path, capsys, monkeypatch):
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(json.dumps({"uttid": "a", "prompt_text": "x", "prompt_speech": "v.wav", "syn_text": "y"}))
    out = make_read_only(tmp_path / "ro", monkeypatch)
    assert main(["batch", str(jobs), "--out", str(out / "sub"), "--model-dir", str(tmp_path)]) == 6
    assert "Cannot write" in assert_one_error_line(capsys.readouterr().err)


def test_verify_a_model_dir_that_is_a_file(tmp_path, capsys):
    f = tmp_path / "weights.bin"
    f.write_text("x")
    assert main(["verify", "--model-dir", str(f)]) == 2
    assert "is a file" in assert_one_error_line(capsys.readouterr().err)


def test_import_weights_into_a_read_only_folder(tmp_path, tiny_checkpoint, capsys, monkeypatch):
    ro = make_read_only(tmp_path / "ro", monkeypatch)
    assert main(["import-weights", str(tiny_checkpoint), "--model-dir", str(ro / "weights")]) == 6
    assert "Cannot write to the folder" in assert_one_error_line(capsys.readouterr().err)
    assert not (ro / "weights").exists()


@pytest.mark.parametrize("text", ["#*—]", "“—“#=", "\x1b[2J\x1b]0;title\x07", "\x00\x01\x02"])
def test_unspeakable_text_has_no_wetext_traceback(
    text, tiny_checkpoint, reference_wav, tmp_path, capsys, caplog
):
    """ "#*—]" and "“—“#=" make wetext's grammar assert; that must not reach the terminal, where
    the default log level is WARNING."""
    args = synth_args(tiny_checkpoint, reference_wav, tmp_path / "o.wav")
    args[args.index("--text") + 1] = text
    assert main(args) == 2
    line = assert_one_error_line(capsys.readouterr().err)
    assert "\x1b" not in line
    shown = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not any(r.exc_info for r in shown), [r.getMessage() for r in shown]


# ----------------------------------------------------------------------------- signals


def test_sigterm_during_a_write_removes_the_temporary_file(tmp_path):
    from glmtts_desktop import fsutil
    from glmtts_desktop.commands._signals import Terminated, sigterm_as_interrupt

    target = tmp_path / "out.wav"

    def writer(tmp):
        tmp.write_bytes(b"RIFF half a file")
        os.kill(os.getpid(), signal.SIGTERM)  # arrives mid-write, as from `kill`

    with pytest.raises(Terminated), sigterm_as_interrupt():
        fsutil.atomic_write_via(target, writer)
    assert list(tmp_path.iterdir()) == []


def test_sigterm_is_a_clear_message_and_exit_143(capsys):
    def stop(_args):
        os.kill(os.getpid(), signal.SIGTERM)

    from glmtts_desktop.commands._signals import sigterm_as_interrupt

    previous = signal.getsignal(signal.SIGTERM)
    with sigterm_as_interrupt():
        code = run_command(argparse.Namespace(func=stop))
    assert code == 143
    assert "terminated" in assert_one_error_line(capsys.readouterr().err)
    assert signal.getsignal(signal.SIGTERM) == previous
