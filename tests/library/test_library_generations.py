from __future__ import annotations

import errno
import hashlib
import sqlite3
import threading

import numpy as np
import pytest
import soundfile as sf
from library_helpers import tone

from glmtts_desktop import fsutil
from glmtts_desktop.library import (
    SCHEMA_VERSION,
    DiskFullError,
    Library,
    LibraryVersionError,
    NotFoundError,
)

SETTINGS = {"method": "ras", "flow_steps": 10, "use_phoneme": False, "normalized": ["你好。"]}
MODEL = {"revision": "abc123", "llm_sha256": "f" * 64, "sample_rate": 24000}


def add(lib, text="你好。", seed=7, audio=None, **kw):
    audio = tone(1.0, 24000) if audio is None else audio
    return lib.add_generation(text, None, "Grandma", seed, SETTINGS, audio, 24000, model_info=MODEL, **kw)


def files_under(root) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_add_generation_writes_wav_row_and_provenance(lib):
    audio = tone(1.5, 24000, 300)
    g = add(lib, audio=audio, title="Greeting")
    assert g.path.is_file() and g.path.is_relative_to(lib.root)
    assert g.rel_path.startswith("audio/generations/") and "\\" not in g.rel_path
    assert g.sha256 == hashlib.sha256(g.path.read_bytes()).hexdigest()
    assert (g.seed, g.voice_name, g.title, g.sample_rate) == (7, "Grandma", "Greeting", 24000)
    assert g.duration == pytest.approx(1.5) and g.settings == SETTINGS and g.model_info == MODEL
    assert g.app_version == "9.9.9-test" and g.created_at.endswith("+00:00")
    data, sr = lib.load_generation_audio(g)
    assert sr == 24000
    np.testing.assert_allclose(data, audio, atol=1 / 32000)
    with sf.SoundFile(g.path) as f:  # the file itself says it is synthetic
        assert "AI-generated" in f.comment and g.id in f.comment
        assert "9.9.9-test" in f.software


def test_list_search_paging_and_restart(tmp_path):
    root = tmp_path / "lib"
    with Library(root) as lib:
        ids = [add(lib, text=f"line {i} {'cat' if i % 2 else 'dog'}").id for i in range(5)]
        add(lib, text="100% sure_thing")
    with Library(root) as lib:
        all_ = lib.list_generations()
        assert len(all_) == 6 and all_[-1].id == ids[0]  # newest first
        assert [g.id for g in lib.list_generations(limit=2, offset=1)] == [ids[4], ids[3]]
        assert {g.id for g in lib.list_generations(search="CAT")} == {ids[1], ids[3]}
        assert lib.count_generations(search="dog") == 3
        assert [g.text for g in lib.list_generations(search="0% s")] == ["100% sure_thing"]
        assert lib.list_generations(search="1_0") == []  # "_" is literal, not a wildcard
        assert lib.list_generations(search="Grandma") and lib.count_generations() == 6


def test_rename_delete_restore_purge(lib):
    g = add(lib)
    assert g.display_title == "你好。"
    assert lib.rename_generation(g.id, "  Hello  there ").title == "Hello there"
    assert lib.rename_generation(g.id, "").title is None
    lib.delete_generation(g.id)
    assert lib.list_generations() == [] and g.path.exists()
    assert [x.id for x in lib.list_generations(deleted_only=True)] == [g.id]
    lib.restore_generation(g.id)
    assert [x.id for x in lib.list_generations()] == [g.id]
    lib.purge_generation(g.id)
    assert not g.path.exists() and files_under(lib.root / "audio") == set()
    with pytest.raises(NotFoundError):
        lib.get_generation(g.id)


def test_generation_keeps_voice_name_when_voice_is_purged(lib):
    v = lib.add_voice("Grandpa", tone(3.0, 16000), "hi", sample_rate=16000)
    g = lib.add_generation("text", v.id, v.name, 1, {}, tone(1.0, 24000), 24000)
    assert [x.id for x in lib.list_generations(voice_id=v.id)] == [g.id]
    lib.delete_voice(v.id)
    lib.empty_trash()
    h = lib.get_generation(g.id)
    assert h.voice_id is None and h.voice_name == "Grandpa" and h.path.exists()


class _FullDisk:
    def __init__(self, path):
        self._fh = open(path, "xb")

    def write(self, data):
        self._fh.write(bytes(data[:100]))
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


def test_full_disk_while_writing_audio_keeps_catalogue_consistent(lib, monkeypatch):
    kept = add(lib, text="kept")
    before = files_under(lib.root)
    monkeypatch.setattr(fsutil, "open_for_write", _FullDisk)
    with pytest.raises(DiskFullError) as ei:
        add(lib, text="lost")
    assert "disk is full" in ei.value.message and ei.value.hint
    monkeypatch.undo()
    assert [g.id for g in lib.list_generations()] == [kept.id]
    assert files_under(lib.root) - before <= {"library.sqlite3-wal", "library.sqlite3-shm"}
    assert not any(".tmp-" in f for f in files_under(lib.root))
    assert lib.check_integrity(verify_hashes=True) == []
    assert add(lib, text="after").path.exists()  # the library still works


def test_full_disk_in_sqlite_removes_the_written_file(lib, monkeypatch):
    def broken(values):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(lib, "_insert_generation_row", broken)
    with pytest.raises(DiskFullError):
        add(lib)
    assert lib.list_generations() == []
    assert not [f for f in files_under(lib.root / "audio")]


def test_integrity_check_finds_missing_and_changed_files(lib):
    a, b = add(lib, text="a"), add(lib, text="b")
    a.path.unlink()
    b.path.write_bytes(b.path.read_bytes()[:-2] + b"\x01\x02")
    assert [(p.item_id, p.problem) for p in lib.check_integrity()] == [(a.id, "missing")]
    problems = {(p.item_id, p.problem) for p in lib.check_integrity(verify_hashes=True)}
    assert problems == {(a.id, "missing"), (b.id, "checksum mismatch")}


def test_database_settings_and_schema_version(lib):
    conn = sqlite3.connect(lib.db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()
    assert lib.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert lib.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_newer_schema_is_refused(tmp_path):
    root = tmp_path / "lib"
    Library(root).close()
    conn = sqlite3.connect(root / "library.sqlite3")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(LibraryVersionError):
        Library(root)


def test_concurrent_adds_from_threads(lib):
    errors = []

    def worker(k):
        try:
            for i in range(5):
                add(lib, text=f"t{k}-{i}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert lib.count_generations() == 20 and lib.check_integrity(verify_hashes=True) == []


def test_invalid_generation_input(lib):
    from glmtts_desktop.library import InvalidEntryError

    with pytest.raises(InvalidEntryError):
        lib.add_generation("  ", None, "", 0, {}, tone(1.0, 24000), 24000)
    with pytest.raises(InvalidEntryError):
        lib.add_generation("x", None, "", 0, {}, np.zeros(0, np.float32), 24000)
    with pytest.raises(InvalidEntryError):
        lib.add_generation("x", None, "", 0, {}, np.array([np.nan], np.float32), 24000)
    assert lib.list_generations() == [] and files_under(lib.root / "audio") == set()


def test_sidecars_describe_files_without_the_app(lib, original_wav):
    import json

    from glmtts_desktop.library import ConsentRecord

    v = lib.add_voice("奶奶", original_wav, "你好。", consent=ConsentRecord(who="王秀英", how="spoken"))
    meta = json.loads((v.reference_path.parent / "voice.json").read_text("utf-8"))
    assert meta["name"] == "奶奶" and meta["consent"]["who"] == "王秀英"
    assert meta["original"]["sha256"] == hashlib.sha256(original_wav.read_bytes()).hexdigest()
    assert (lib.root / meta["original"]["file"]).read_bytes() == original_wav.read_bytes()
    assert meta["reference"]["sha256"] == hashlib.sha256(v.reference_path.read_bytes()).hexdigest()
    lib.rename_voice(v.id, "Nainai")
    assert json.loads((v.reference_path.parent / "voice.json").read_text("utf-8"))["name"] == "Nainai"

    g = lib.add_generation("早上好", v.id, "Nainai", 42, SETTINGS, tone(1.0, 24000), 24000, model_info=MODEL)
    side = g.path.with_suffix(".json")
    gm = json.loads(side.read_text("utf-8"))
    assert gm["ai_generated"] is True and gm["text"] == "早上好" and gm["seed"] == 42
    assert gm["model"] == MODEL and gm["settings"] == SETTINGS and gm["audio"]["sha256"] == g.sha256
    lib.rename_generation(g.id, "Morning")
    assert json.loads(side.read_text("utf-8"))["title"] == "Morning"
    lib.purge_generation(g.id)
    assert not side.exists()
