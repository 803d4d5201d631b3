"""A process killed (SIGKILL) while it stores a generation leaves a readable library with no half
entry. The child stops at a chosen point and says so on stdout; the parent kills it only then
(a pipe handshake, no timing)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from glmtts_desktop.library import Library

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

CHILD = textwrap.dedent(
    """
    import sys
    import numpy as np
    from glmtts_desktop import fsutil
    from glmtts_desktop.library import Library
    from glmtts_desktop.library import generations

    point = sys.argv[2]

    def stop_here():
        print("ready", flush=True)
        sys.stdin.read()  # the parent never writes: we wait here until killed

    if point == "writing-audio":
        real_open = fsutil.open_for_write

        def half_written(path):
            fh = real_open(path)
            fh.write(b"RIFF\\x00\\x00")
            fh.flush()
            stop_here()
            return fh

        fsutil.open_for_write = half_written
    elif point == "row-not-committed":
        real = generations.GenerationStore._insert_generation_row

        def insert_then_stop(self, values):
            real(self, values)
            stop_here()

        generations.GenerationStore._insert_generation_row = insert_then_stop
    lib = Library(sys.argv[1])
    lib.add_generation("second", None, "v", 2, {}, np.full(2400, 0.1, np.float32), 24000)
    """
)


@pytest.mark.parametrize("point", ["writing-audio", "row-not-committed"])
def test_killed_while_storing_a_generation(tmp_path, point):
    root = tmp_path / "lib"
    with Library(root) as lib:
        first = lib.add_generation("first", None, "v", 1, {}, np.full(2400, 0.2, np.float32), 24000)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root), point],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        line = child.stdout.readline()  # blocks until the child reached the point (or died)
        assert line.strip() == "ready", child.stderr.read()
        child.send_signal(signal.SIGKILL)
        assert child.wait() == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.stdin.close()
        child.stdout.close()
        child.stderr.close()
    with Library(root) as lib:  # opens: the catalogue is readable
        assert [g.id for g in lib.list_generations()] == [first.id]  # no half entry
        assert lib.check_integrity(verify_hashes=True) == []
        audio, sr = lib.load_generation_audio(first.id)
        assert sr == 24000 and len(audio) == 2400
        # opening tidied what the killed write left: its temporary file is gone, its complete
        # but unlisted file was moved to trash/orphaned/, every catalogued file is where it was
        listed = {g.path.name for g in lib.list_generations(include_deleted=True)}
        left = {p.name for p in (root / "audio").rglob("*") if p.is_file()}
        assert {n for n in left if n.endswith(".wav") and "generations" in n} <= listed
        assert {p.name for p in (root / "audio" / "generations").rglob("*.wav")} == listed
        assert not [n for n in left if ".tmp-" in n]
        moved = sorted(p.name for p in (root / "trash" / "orphaned").rglob("*.wav"))
        assert len(moved) == (1 if point == "row-not-committed" else 0)
        # and the library keeps working
        lib.add_generation("third", None, "v", 3, {}, np.full(2400, 0.3, np.float32), 24000)
        assert len(lib.list_generations()) == 2


def test_leftovers_are_left_alone_while_another_library_has_the_folder_open(tmp_path):
    """Another open library may be between writing its file and its row: no sweep then."""
    root = tmp_path / "lib"
    with Library(root) as lib:
        kept = lib.add_generation("kept", None, "v", 1, {}, np.full(2400, 0.2, np.float32), 24000)
    unlisted = kept.path.with_name("0" * 32 + ".wav")
    unlisted.write_bytes(kept.path.read_bytes())
    temp = kept.path.with_name(".x.wav.tmp-" + "a" * 32)
    temp.write_bytes(b"RIFF")
    other = Library(root)  # both unlisted files were already there: this one tidies them away
    try:
        assert not unlisted.exists() and not temp.exists()
        unlisted.write_bytes(kept.path.read_bytes())  # as if `other` were mid-save right now
        temp.write_bytes(b"RIFF")
        os.utime(unlisted, (0, 0))
        os.utime(temp, (0, 0))  # old enough: only the open library protects them
        with Library(root) as lib:
            assert unlisted.exists() and temp.exists()
            assert [g.id for g in lib.list_generations()] == [kept.id]
    finally:
        other.close()
    with Library(root) as lib:  # alone again: tidied, the catalogued file untouched
        assert not unlisted.exists() and not temp.exists()
        assert lib.check_integrity(verify_hashes=True) == []
        assert (root / "trash" / "orphaned" / "generations").is_dir()
