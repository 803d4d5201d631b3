"""A library made by the code of main at 348f57b (schema 1, fixtures/library_v1, built by
fixtures/make_library_v1.py) opens with today's code: migrated, nothing lost, new features work."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from glmtts_desktop.library import SCHEMA_VERSION, Library, LibraryVersionError
from glmtts_desktop.library.files import sha256_file

FIXTURE = Path(__file__).parent / "fixtures" / "library_v1"
VOICE_ID = "c49ddd2380c54cab9785ea67f2326f89"
GEN_ID = "ded21d0c2f35492bbf996af5e7692ba7"


@pytest.fixture
def old_library(tmp_path) -> Path:
    root = tmp_path / "lib"
    shutil.copytree(FIXTURE, root)
    with sqlite3.connect(root / "library.sqlite3") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    return root


def _all_file_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in (root / "audio").rglob("*.wav")}


def test_schema_1_library_migrates_and_keeps_everything(old_library):
    before = _all_file_bytes(old_library)
    with Library(old_library) as lib:
        assert int(lib.conn.execute("PRAGMA user_version").fetchone()[0]) == SCHEMA_VERSION
        v = lib.get_voice(VOICE_ID)
        assert (v.name, v.transcript, v.notes, v.language, v.speaker) == (
            "Grandma",
            "hello dear",
            "from 2009",
            "en",
            "",
        )
        assert v.consent is not None and v.consent.who == "Wang Xiuying" and v.consent.basis == "permission"
        assert v.consent.relationship == "grandmother" and v.consent.evidence_path is None
        assert v.pronunciations == ({"text": "dear", "replacement": "deer", "occurrences": None},)
        assert v.original_path is not None and sha256_file(v.original_path) == v.original_sha256
        g = lib.get_generation(GEN_ID)
        assert (g.text, g.title, g.seed, g.voice_id, g.normalized_text) == (
            "good morning",
            "Morning",
            7,
            VOICE_ID,
            "",
        )
        assert g.settings["overrides"] == [["dear", "deer", None]]
        assert lib.check_integrity(verify_hashes=True) == []
        # what schema 2 added works on the migrated catalogue
        lib.put_prompt_cache("k", b"v")
        assert lib.get_prompt_cache("k") == b"v"
        digest = lib.keep_clip(np.zeros(800, np.float32) + 0.1, 8000)
        assert lib.load_clip(digest)[1] == 8000
        lib.set_speaker(VOICE_ID, "my grandmother")
    # originals, references and generations are byte-for-byte what the old code wrote
    after = _all_file_bytes(old_library)
    assert {k: after[k] for k in before} == before


def test_migrated_library_generates_and_regenerates_old_entries(old_library):
    from glmtts_desktop.studio import GenerationSettings, Studio
    from tests.studio.studio_fakes import DeterministicEngine

    with Library(old_library) as lib:
        st = Studio(lib, DeterministicEngine())
        voice, text, settings, overrides = st.generation_inputs(GEN_ID)
        assert (voice, text, settings.seed, settings.method) == (VOICE_ID, "good morning", 7, "ras")
        assert overrides[0].text == "dear" and overrides[0].occurrences is None
        again = st.regenerate(GEN_ID)
        assert again.settings == GenerationSettings(seed=7)


def test_a_newer_schema_is_refused_clearly(old_library):
    with sqlite3.connect(old_library / "library.sqlite3") as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(LibraryVersionError) as info:
        Library(old_library)
    assert "newer version" in info.value.user_text()
