"""The headless commands: download, verify, import-weights, through cli.main."""

from __future__ import annotations

import shutil

from glmtts_desktop.cli import main


def test_download_verify_import_cli(tmp_path, hub, manifest_path, capsys):
    d = tmp_path / "models"
    common = ["--model-dir", str(d), "--manifest", str(manifest_path), "--sample-rate", "both"]
    assert main(["download", "--endpoint", hub.url, *common]) == 0
    out = capsys.readouterr()
    assert "Done" in out.out and "warning" in out.err  # plain http warns
    assert main(["verify", *common]) == 0

    (d / "flow/flow.pt").write_bytes(b"not the flow weights")
    assert main(["verify", *common]) == 7
    err = capsys.readouterr().err
    assert "flow/flow.pt" in err and "download" in err and "Traceback" not in err

    assert main(["download", "--endpoint", hub.url, *common]) == 0
    assert main(["verify", *common]) == 0

    usb = tmp_path / "usb"
    shutil.copytree(d, usb, ignore=shutil.ignore_patterns(".glmtts", "hift"))
    other = tmp_path / "other"
    rc = main(
        [
            "import-weights",
            str(usb),
            "--model-dir",
            str(other),
            "--manifest",
            str(manifest_path),
            "--sample-rate",
            "24000",
        ]
    )
    assert rc == 7
    assert "hift/hift.pt" in capsys.readouterr().err


def test_bad_endpoint_and_unreachable_source(tmp_path, manifest_path, capsys):
    assert main(["download", "--endpoint", "ftp://nope", "--model-dir", str(tmp_path)]) == 2
    assert "https://" in capsys.readouterr().err
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    rc = main(
        [
            "download",
            "--endpoint",
            f"http://127.0.0.1:{port}",
            "--model-dir",
            str(tmp_path / "m"),
            "--manifest",
            str(manifest_path),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 4 and "Could not reach" in err and "another source" in err


def test_test_connection_cli(hub, manifest_path, capsys):
    assert (
        main(["download", "--endpoint", hub.url, "--manifest", str(manifest_path), "--test-connection"]) == 0
    )
    assert "Connected to" in capsys.readouterr().out
