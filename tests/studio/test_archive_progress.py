"""Archive tasks report progress (bytes done of the total, reaching the total) and stop cleanly
when cancelled: a cancelled export leaves no archive and no temporary file, a cancelled import
leaves the library exactly as it was, a cancelled check changes nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from glmtts_desktop.library import Library
from glmtts_desktop.library.progress import TaskCancelled
from tests.studio.test_archive import _files, _snapshot, family  # noqa: F401 - the fixture


class Recorder:
    """on_progress that records every report and, from the ``stop_after``-th report on that
    moved forward, answers cancelled() with True."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.reports: list[tuple[int, int]] = []
        self.stop_after = stop_after

    def __call__(self, done: int, total: int) -> None:
        self.reports.append((done, total))

    def cancelled(self) -> bool:
        moved = sum(1 for d, _t in self.reports if d > 0)
        return self.stop_after is not None and moved >= self.stop_after


def _all_names(folder: Path) -> set[str]:
    """Every file and folder name, except the lock of the open library itself (library/orphans)."""
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*")}
    return {n for n in names if not n.startswith(".open/")}


def _assert_progress_complete(rec: Recorder) -> None:
    assert len(rec.reports) > 3
    totals = {t for _d, t in rec.reports}
    assert len(totals) == 1 and rec.reports[-1][0] == totals.pop()
    dones = [d for d, _t in rec.reports]
    assert dones == sorted(dones)  # never goes backwards


@pytest.mark.parametrize("suffix", ["", ".zip"])
def test_export_import_and_check_report_progress_to_the_end(family, tmp_path, suffix):  # noqa: F811
    lib, st, _orig, _letter = family
    rec = Recorder()
    out = st.export_archive(tmp_path / f"a{suffix}", on_progress=rec)
    _assert_progress_complete(rec)
    rec = Recorder()
    assert st.check_integrity(on_progress=rec) == []
    _assert_progress_complete(rec)
    fresh = Library(tmp_path / "fresh")
    try:
        from glmtts_desktop.studio import Studio

        rec = Recorder()
        Studio(fresh).import_archive(out, on_progress=rec)
        _assert_progress_complete(rec)
    finally:
        fresh.close()


@pytest.mark.parametrize("suffix", ["", ".zip"])
@pytest.mark.parametrize("late", [False, True])  # while copying, or at the last step (zipping)
def test_cancelled_export_leaves_no_half_archive(family, tmp_path, suffix, late):  # noqa: F811
    _lib, st, _orig, _letter = family
    probe = Recorder()
    made = st.export_archive(tmp_path / f"probe{suffix}", on_progress=probe)
    shutil.rmtree(made) if made.is_dir() else made.unlink()
    before = _all_names(tmp_path)
    moves = sum(1 for d, _t in probe.reports if d > 0)
    rec = Recorder(stop_after=moves - 1 if late else 2)
    with pytest.raises(TaskCancelled):
        st.export_archive(tmp_path / f"cancelled{suffix}", on_progress=rec, cancelled=rec.cancelled)
    assert _all_names(tmp_path) == before  # no archive, no staging folder, no half zip


@pytest.mark.parametrize("suffix", ["", ".zip"])
def test_cancelled_import_leaves_the_library_as_it_was(family, tmp_path, suffix):  # noqa: F811
    lib, st, _orig, _letter = family
    out = st.export_archive(tmp_path / f"a{suffix}")
    root = lib.root
    lib.close()
    shutil.rmtree(root)
    from glmtts_desktop.studio import Studio

    target = Library(root)
    try:
        empty_files, empty = _all_names(root), _snapshot(target)
        # stop in the last phase (copying into the library), after some files were copied
        probe = Recorder()
        Studio(target).import_archive(out, on_progress=probe)
        assert _snapshot(target) != empty
        target.close()
        shutil.rmtree(root)
        target = Library(root)
        moves = sum(1 for d, _t in probe.reports if d > 0)
        rec = Recorder(stop_after=moves - 2)
        with pytest.raises(TaskCancelled):
            Studio(target).import_archive(out, on_progress=rec, cancelled=rec.cancelled)
        assert _snapshot(target) == empty
        assert _all_names(root) == empty_files  # no copied file, folder or temp file left
        assert not [p for p in os.listdir(root) if p.startswith(".import-")]
    finally:
        target.close()


def test_cancelled_check_stops(family):  # noqa: F811
    lib, st, _orig, _letter = family
    before = _files(lib.root)
    rec = Recorder(stop_after=1)
    with pytest.raises(TaskCancelled):
        st.check_integrity(on_progress=rec, cancelled=rec.cancelled)
    assert _files(lib.root) == before
