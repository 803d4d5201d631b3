"""32 kHz on a folder whose TorchScript vocoder nobody vouched for: refused in one line, or trusted on request."""

from __future__ import annotations

import shutil

from glmtts_desktop import codetrust
from glmtts_desktop.cli import main


def test_unconfirmed_vocoder_is_refused_until_the_person_trusts_it(
    tiny_checkpoint, reference_wav, tmp_path, capsys
):
    folder = tmp_path / "from-a-forum"
    shutil.copytree(tiny_checkpoint, folder)
    vocos = folder / "vocos2d" / "generator_jit.ckpt"
    with open(vocos, "ab") as fh:  # still a loadable archive, but not bytes anyone vouched for
        fh.write(b"\0" * 16)
    assert codetrust.file_trust(vocos) is None
    args = [
        "synth",
        "--model-dir",
        str(folder),
        "--reference",
        str(reference_wav),
        "--reference-text",
        "Hello, this is me.",
        "--text",
        "Nice to meet you.",
        "-o",
        str(tmp_path / "out.wav"),
        "--device",
        "cpu",
        "--sample-rate",
        "32000",
    ]
    assert main(args) == 3
    err = capsys.readouterr().err
    assert "program code" in err and "--trust-vocoder" in err and "Traceback" not in err
    assert not (tmp_path / "out.wav").exists()

    assert main([*args, "--trust-vocoder"]) == 0
    err = capsys.readouterr().err
    assert "you chose to trust" in err
    assert codetrust.file_trust(vocos).origin == codetrust.ORIGIN_USER
    assert (tmp_path / "out.wav").is_file()
    # the decision is remembered for those bytes: no flag needed the next time
    assert main([*args, "--overwrite"]) == 0
