"""`voices add --photo`, `voices add-clip` and clips + photo in `voices list --json`."""

from __future__ import annotations

import json

import soundfile as sf

from glmtts_desktop.cli import main
from tests.conftest import voice_like

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5b1f5a00000000049454e44ae426082"
)


def _list(data, capsys):
    capsys.readouterr()
    assert main(["voices", "list", "--json", "--data-dir", str(data)]) == 0
    return json.loads(capsys.readouterr().out)


def test_add_with_photo_add_clip_and_list_json(tmp_path, capsys):
    data = tmp_path / "data"
    first, second, third = tmp_path / "first.wav", tmp_path / "second.wav", tmp_path / "third.wav"
    sf.write(first, voice_like(3.0, 16000), 16000)
    sf.write(second, voice_like(3.5, 16000, f0=200, seed=4), 16000)
    sf.write(third, voice_like(2.5, 16000, f0=160, seed=5), 16000)
    photo = tmp_path / "gran.png"
    photo.write_bytes(PNG_1PX)
    base = ["--data-dir", str(data)]
    assert (
        main(
            [
                "voices",
                "add",
                "Gran",
                "--reference",
                str(first),
                "--transcript",
                "one",
                "--photo",
                str(photo),
                *base,
            ]
        )
        == 0
    )
    [v] = _list(data, capsys)
    assert v["photo"] is True and [(c["transcript"], c["default"]) for c in v["clips"]] == [("one", True)]
    assert (
        main(
            [
                "voices",
                "add-clip",
                "Gran",
                "--reference",
                str(second),
                "--transcript",
                "two",
                "--note",
                "n",
                *base,
            ]
        )
        == 0
    )
    [v] = _list(data, capsys)
    assert [(c["transcript"], c["default"], c["note"]) for c in v["clips"]] == [
        ("one", True, ""),
        ("two", False, "n"),
    ]
    assert v["transcript"] == "one"
    assert (
        main(
            [
                "voices",
                "add-clip",
                "Gran",
                "--reference",
                str(third),
                "--transcript",
                "three",
                "--default",
                *base,
            ]
        )
        == 0
    )
    assert "now the default" in capsys.readouterr().err
    [v] = _list(data, capsys)
    assert [c["default"] for c in v["clips"]] == [False, False, True] and v["transcript"] == "three"
    assert main(["voices", "add-clip", "Nobody", "--reference", str(second), "--transcript", "x", *base]) == 2


def test_add_with_a_file_that_is_no_photo_adds_nothing(tmp_path, capsys):
    data = tmp_path / "data"
    ref = tmp_path / "first.wav"
    sf.write(ref, voice_like(3.0, 16000), 16000)
    bad = tmp_path / "gran.jpg"
    bad.write_text("not an image")
    code = main(
        [
            "voices",
            "add",
            "Gran",
            "--reference",
            str(ref),
            "--transcript",
            "one",
            "--photo",
            str(bad),
            "--data-dir",
            str(data),
        ]
    )
    assert code == 2 and "not a PNG, JPEG or WebP image" in capsys.readouterr().err
    assert _list(data, capsys) == []


def test_add_clip_refuses_a_recording_the_voice_already_has(tmp_path, capsys):
    data = tmp_path / "data"
    first, copy = tmp_path / "first.wav", tmp_path / "the same, renamed.wav"
    sf.write(first, voice_like(3.0, 16000), 16000)
    copy.write_bytes(first.read_bytes())
    base = ["--data-dir", str(data)]
    assert main(["voices", "add", "Gran", "--reference", str(first), "--transcript", "one", *base]) == 0
    capsys.readouterr()
    code = main(["voices", "add-clip", "Gran", "--reference", str(copy), "--transcript", "again", *base])
    err = capsys.readouterr().err
    assert code == 2 and "This recording is already a clip of “Gran” (“one”)" in err
    [v] = _list(data, capsys)
    assert [c["transcript"] for c in v["clips"]] == ["one"]
