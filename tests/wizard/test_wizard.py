"""The first-run wizard, page by page, through a complete download from the fake Hub."""

from __future__ import annotations

import shutil
import time

from PySide6.QtCore import Qt

from glmtts_desktop.gui.wizard import FirstRunWizard
from glmtts_desktop.gui.wizard.wizard import DONE, SOURCE, SYSTEM, TRANSFER, VERIFY, WELCOME
from glmtts_desktop.models import needs_setup
from glmtts_desktop.models.download import Downloader
from glmtts_desktop.models.layout import part_path

SHARD = "llm/model-00001-of-00002.safetensors"


def make(qtbot, tmp_path, manifest, fast, fake_gpu, model_dir="models"):
    w = FirstRunWizard(
        tmp_path / model_dir if model_dir else None,
        manifest=manifest,
        hardware_probe=fake_gpu,
        state_path=tmp_path / "wizard.json",
        transfer_settings=fast,
    )
    qtbot.addWidget(w)
    w.show()
    return w


def to_source_page(qtbot, w):
    assert w.currentId() == WELCOME
    w.next()
    assert w.currentId() == SYSTEM
    qtbot.waitUntil(lambda: "Fake RTX 4090" in w.page(SYSTEM).gpu.text(), timeout=5000)
    assert "24.0 GB VRAM" in w.page(SYSTEM).gpu.text() and "free" in w.page(SYSTEM).disk.text()
    w.next()
    assert w.currentId() == SOURCE
    return w.source_page


def test_complete_download_through_every_page(qtbot, tmp_path, hub, manifest, fast, fake_gpu):
    w = make(qtbot, tmp_path, manifest, fast, fake_gpu)
    page = to_source_page(qtbot, w)
    page.radios["custom"].setChecked(True)
    page.custom.setText(hub.url)
    page.rates.setCurrentIndex(2)  # both
    qtbot.mouseClick(page.test_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "Connected to" in page.test_result.text(), timeout=10000)
    w.next()
    assert w.currentId() == TRANSFER
    assert (tmp_path / "wizard.json").exists()  # remembered in case the app is closed now
    qtbot.waitUntil(w.transfer_page.isComplete, timeout=30000)
    assert w.transfer_page.overall.value() == 1000
    w.next()
    assert w.currentId() == VERIFY
    qtbot.waitUntil(w.verify_page.isComplete, timeout=10000)
    w.next()
    assert w.currentId() == DONE
    with qtbot.waitSignal(w.weightsReady, timeout=5000) as sig:
        w.accept()
    assert sig.args == [str(tmp_path / "models")]
    assert not needs_setup(tmp_path / "models", "both", manifest=manifest)
    assert not (tmp_path / "wizard.json").exists()


def test_closing_mid_download_and_reopening_resumes_from_the_byte(
    qtbot, tmp_path, hub, manifest, fast, fake_gpu
):
    hub.knobs.pause_after[SHARD] = 200_000
    w = make(qtbot, tmp_path, manifest, fast, fake_gpu)
    page = to_source_page(qtbot, w)
    page.radios["custom"].setChecked(True)
    page.custom.setText(hub.url)
    w.next()
    part = part_path(tmp_path / "models" / SHARD)
    qtbot.waitUntil(lambda: part.exists() and part.stat().st_size == 200_000, timeout=20000)
    t0 = time.monotonic()
    w.reject()  # the person closes the window mid-file
    assert time.monotonic() - t0 < 3.0
    assert not w.transfer_page.worker.busy()
    assert part.stat().st_size == 200_000

    hub.knobs.pause_after.clear()
    hub.knobs.released.set()
    w2 = make(qtbot, tmp_path, manifest, fast, fake_gpu, model_dir=None)  # app restarted, no setting
    assert w2.resuming and w2.page(WELCOME).resume_label.isVisibleTo(w2)
    page2 = to_source_page(qtbot, w2)
    assert page2.radios["custom"].isChecked() and page2.custom.text() == hub.url
    assert page2.folder.text() == str(tmp_path / "models")
    first = len(hub.log)
    w2.next()
    qtbot.waitUntil(w2.transfer_page.isComplete, timeout=30000)
    shard = [r for r in hub.log[first:] if r["path"].endswith(SHARD) and r["method"] == "GET"]
    assert [r["range"] for r in shard] == ["bytes=200000-"]


def test_pause_and_resume_buttons(qtbot, tmp_path, hub, manifest, fast, fake_gpu):
    hub.knobs.pause_after[SHARD] = 100_000
    w = make(qtbot, tmp_path, manifest, fast, fake_gpu)
    page = to_source_page(qtbot, w)
    page.radios["custom"].setChecked(True)
    page.custom.setText(hub.url)
    w.next()
    tp = w.transfer_page
    part = part_path(tmp_path / "models" / SHARD)
    qtbot.waitUntil(lambda: part.exists() and part.stat().st_size == 100_000, timeout=20000)
    qtbot.mouseClick(tp.pause_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: tp.resume_button.isEnabled(), timeout=5000)
    assert "Paused" in tp.status.text() and not tp.isComplete()
    hub.knobs.pause_after.clear()
    hub.knobs.released.set()
    qtbot.mouseClick(tp.resume_button, Qt.LeftButton)
    qtbot.waitUntil(tp.isComplete, timeout=30000)


def test_errors_are_sentences_with_details_on_request(qtbot, tmp_path, manifest, fast, fake_gpu):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    s.close()
    w = make(qtbot, tmp_path, manifest, fast, fake_gpu)
    page = to_source_page(qtbot, w)
    page.radios["custom"].setChecked(True)
    page.custom.setText("ftp://nope")
    w.next()
    assert w.currentId() == SOURCE and "https://" in page.error.text()
    page.custom.setText(dead)
    w.next()
    tp = w.transfer_page
    qtbot.waitUntil(lambda: "Could not reach" in tp.error.label.text(), timeout=15000)
    assert "Traceback" not in tp.error.label.text() and "another source" in tp.error.label.text()
    assert tp.file_label.text() == ""  # no stale "Asking the server for the file list…" once stopped
    assert not tp.error.details.isVisibleTo(w)
    qtbot.mouseClick(tp.error.details_button, Qt.LeftButton)
    assert tp.error.details.isVisibleTo(w) and tp.error.details.toPlainText()
    assert tp.resume_button.isEnabled() and not tp.isComplete()


def test_import_from_a_folder(qtbot, tmp_path, hub, manifest, fast, fake_gpu):
    src = tmp_path / "downloaded"
    Downloader(src, endpoint=hub.url, manifest=manifest, sample_rates=24000, settings=fast).run()
    usb = tmp_path / "usb"
    shutil.copytree(src, usb, ignore=shutil.ignore_patterns(".glmtts"))
    # the target remembers expected hashes only through the pinned manifest values: unpinned
    # files are accepted on presence/size and shown as such
    w = make(qtbot, tmp_path, manifest, fast, fake_gpu)
    page = to_source_page(qtbot, w)
    page.radios["import"].setChecked(True)
    page.import_from.setText(str(usb))
    w.next()
    qtbot.waitUntil(w.transfer_page.isComplete, timeout=20000)
    w.next()
    qtbot.waitUntil(w.verify_page.isComplete, timeout=10000)
    assert (tmp_path / "models/flow/flow.pt").read_bytes() == (src / "flow/flow.pt").read_bytes()


def test_a_stalled_redirected_download_says_so_and_cancel_is_immediate(
    qtbot, tmp_path, hub, manifest, fast, fake_gpu
):
    fast.stall_timeout_s = 0.5
    fast.max_attempts_without_progress = 1000  # keep retrying: the user decides
    hub.knobs.redirect = True
    hub.knobs.stall_at[SHARD] = 100_000
    w = make(qtbot, tmp_path, manifest, fast, fake_gpu)
    page = to_source_page(qtbot, w)
    page.radios["custom"].setChecked(True)
    page.custom.setText(hub.url)
    w.next()
    tp = w.transfer_page
    qtbot.waitUntil(lambda: "stalled, retrying" in tp.speed.text(), timeout=20000)
    fast.stall_timeout_s = 60.0  # from now on only Cancel can end the stalled connection
    part = part_path(tmp_path / "models" / SHARD)
    attempts = len(hub.requests("GET", "/cdn/"))
    qtbot.waitUntil(lambda: len(hub.requests("GET", "/cdn/")) > attempts, timeout=20000)
    t0 = time.monotonic()
    qtbot.mouseClick(tp.pause_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: tp.resume_button.isEnabled(), timeout=5000)
    assert time.monotonic() - t0 < 1.5
    assert part.stat().st_size == 100_000
