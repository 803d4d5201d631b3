"""The SQLite catalogue: connection settings and versioned migrations.

Why these settings: WAL lets the GUI read while a generation is being added; synchronous=FULL
because this is an archive (NORMAL may lose the last commit on power loss); foreign keys so a
purged voice cannot leave dangling cache rows. ``isolation_level=None`` + explicit
``BEGIN IMMEDIATE`` makes every write transaction visible in the code.

Migrations are an ordered list; ``PRAGMA user_version`` records how many ran. To extend the
schema, append a new entry, never edit an old one (statements are split on ";", so no
triggers or semicolons inside string literals).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from glmtts_desktop.i18n import N_, tr
from glmtts_desktop.library.errors import DiskFullError, LibraryVersionError, StorageError

log = logging.getLogger(__name__)

MIGRATIONS: list[str] = [
    # 1: originals, voices, consent, prompt cache, generations
    """
    CREATE TABLE originals (
        sha256        TEXT PRIMARY KEY,
        rel_path      TEXT NOT NULL,
        original_name TEXT NOT NULL,
        size_bytes    INTEGER NOT NULL,
        added_at      TEXT NOT NULL
    );
    CREATE TABLE voices (
        id                    TEXT PRIMARY KEY,
        name                  TEXT NOT NULL,
        transcript            TEXT NOT NULL DEFAULT '',
        language              TEXT,
        notes                 TEXT NOT NULL DEFAULT '',
        original_sha256       TEXT REFERENCES originals(sha256),
        original_name         TEXT,
        trim_start            REAL,
        trim_end              REAL,
        reference_rel_path    TEXT NOT NULL,
        reference_sha256      TEXT NOT NULL,
        reference_sample_rate INTEGER NOT NULL,
        reference_duration    REAL NOT NULL,
        pronunciations        TEXT NOT NULL DEFAULT '[]',
        created_at            TEXT NOT NULL,
        updated_at            TEXT NOT NULL,
        deleted_at            TEXT
    );
    CREATE INDEX voices_name ON voices(name);
    CREATE TABLE consents (
        voice_id     TEXT PRIMARY KEY REFERENCES voices(id) ON DELETE CASCADE,
        who          TEXT NOT NULL,
        given_when   TEXT NOT NULL,
        how          TEXT NOT NULL,
        basis        TEXT NOT NULL,
        relationship TEXT NOT NULL DEFAULT '',
        scope        TEXT NOT NULL DEFAULT '',
        revoked_at   TEXT,
        recorded_at  TEXT NOT NULL
    );
    CREATE TABLE voice_prompt_cache (
        voice_id   TEXT NOT NULL REFERENCES voices(id) ON DELETE CASCADE,
        key        TEXT NOT NULL,
        data       BLOB NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (voice_id, key)
    );
    CREATE TABLE generations (
        id          TEXT PRIMARY KEY,
        created_at  TEXT NOT NULL,
        title       TEXT,
        text        TEXT NOT NULL,
        voice_id    TEXT REFERENCES voices(id) ON DELETE SET NULL,
        voice_name  TEXT NOT NULL DEFAULT '',
        seed        INTEGER,
        settings    TEXT NOT NULL DEFAULT '{}',
        model_info  TEXT NOT NULL DEFAULT '{}',
        app_version TEXT NOT NULL,
        sample_rate INTEGER NOT NULL,
        duration    REAL NOT NULL,
        rel_path    TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        deleted_at  TEXT
    );
    CREATE INDEX generations_created ON generations(created_at);
    CREATE INDEX generations_voice ON generations(voice_id);
    """,
    # 2: one content-keyed voice-analysis cache (saved and unsaved clips alike), kept clips of
    #    unsaved voices (so "Again" can reproduce them), consent evidence, who the speaker is,
    #    the normalised text of a generation
    """
    DROP TABLE voice_prompt_cache;
    CREATE TABLE prompt_cache (
        key        TEXT PRIMARY KEY,
        data       BLOB NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE clips (
        sha256      TEXT PRIMARY KEY,
        rel_path    TEXT NOT NULL,
        sample_rate INTEGER NOT NULL,
        duration    REAL NOT NULL,
        added_at    TEXT NOT NULL
    );
    ALTER TABLE consents ADD COLUMN evidence_rel_path TEXT;
    ALTER TABLE consents ADD COLUMN evidence_sha256 TEXT;
    ALTER TABLE consents ADD COLUMN evidence_name TEXT;
    ALTER TABLE voices ADD COLUMN speaker TEXT NOT NULL DEFAULT '';
    ALTER TABLE generations ADD COLUMN normalized_text TEXT NOT NULL DEFAULT '';
    CREATE INDEX voices_reference ON voices(reference_sha256);
    """,
    # 3: a voice owns one or more clips (each with its transcript, note, trim and original) and
    #    a chosen default; an optional photo. The voice row's reference_*, transcript, trim_*
    #    and original_* columns describe its default clip and are rewritten from it in the same
    #    transaction whenever the default changes (voice_clips is where clips live). Every voice
    #    of schema 2 gets its reference as its one, default clip (id: a fresh random hex).
    """
    CREATE TABLE voice_clips (
        id              TEXT PRIMARY KEY,
        voice_id        TEXT NOT NULL REFERENCES voices(id) ON DELETE CASCADE,
        rel_path        TEXT NOT NULL,
        sha256          TEXT NOT NULL,
        sample_rate     INTEGER NOT NULL,
        duration        REAL NOT NULL,
        transcript      TEXT NOT NULL DEFAULT '',
        note            TEXT NOT NULL DEFAULT '',
        trim_start      REAL,
        trim_end        REAL,
        original_sha256 TEXT REFERENCES originals(sha256),
        original_name   TEXT,
        created_at      TEXT NOT NULL
    );
    CREATE INDEX voice_clips_voice ON voice_clips(voice_id);
    ALTER TABLE voices ADD COLUMN default_clip_id TEXT;
    ALTER TABLE voices ADD COLUMN photo_sha256 TEXT;
    ALTER TABLE voices ADD COLUMN photo_rel_path TEXT;
    INSERT INTO voice_clips (id, voice_id, rel_path, sha256, sample_rate, duration, transcript,
        trim_start, trim_end, original_sha256, original_name, created_at)
        SELECT lower(hex(randomblob(16))), id, reference_rel_path, reference_sha256,
            reference_sample_rate, reference_duration, transcript, trim_start, trim_end,
            original_sha256, original_name, created_at FROM voices;
    UPDATE voices SET default_clip_id = (SELECT c.id FROM voice_clips c WHERE c.voice_id = voices.id)
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def translate(exc: sqlite3.Error, action: str) -> StorageError:
    """A typed error for an sqlite failure; 'disk is full' becomes DiskFullError."""
    text = str(exc).lower()
    if "full" in text:
        return DiskFullError(
            tr("The disk is full; could not {action}.", action=tr(action)),
            hint=tr("Free some space on the disk and try again."),
            detail=str(exc),
        )
    if "locked" in text or "busy" in text:
        return StorageError(
            tr("The library is busy; could not {action}.", action=tr(action)),
            hint=tr("Another copy of the app may be writing to it. Try again."),
            detail=str(exc),
        )
    if isinstance(exc, sqlite3.DatabaseError) and ("malformed" in text or "not a database" in text):
        return StorageError(
            tr("The library catalogue is damaged; could not {action}.", action=tr(action)),
            hint=tr("Restore library.sqlite3 from a backup."),
            detail=str(exc),
        )
    return StorageError(tr("Could not {action}.", action=tr(action)), detail=str(exc))


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the catalogue at ``path``.

    ``check_same_thread=False``: the Library serialises access with its own lock, so the
    connection may be used from the GUI thread and worker threads alike.
    """
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
    except sqlite3.Error as exc:
        raise translate(exc, N_("open the library")) from exc
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("journal_mode is %s, not WAL (network drive?)", mode)
        conn.execute("PRAGMA synchronous = FULL")
        conn.row_factory = sqlite3.Row
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def transaction(
    conn: sqlite3.Connection, action: str = N_("save to the library")
) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error; sqlite errors become StorageError."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise translate(exc, action) from exc
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        if isinstance(exc, sqlite3.Error):
            raise translate(exc, action) from exc
        raise


def migrate(conn: sqlite3.Connection) -> int:
    """Run the migrations this catalogue has not seen; returns the resulting version."""
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error as exc:
        raise translate(exc, N_("open the library")) from exc
    if version > SCHEMA_VERSION:
        raise LibraryVersionError(
            tr("This library was created by a newer version of GLM-TTS Desktop."),
            hint=tr("Update the app, or choose another library folder."),
            detail=f"schema {version} > supported {SCHEMA_VERSION}",
        )
    for number in range(version + 1, SCHEMA_VERSION + 1):
        script = MIGRATIONS[number - 1]
        with transaction(conn, N_("upgrade the library")):
            for statement in (s.strip() for s in script.split(";")):
                if statement:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        log.info("library schema migrated to version %d", number)
    return SCHEMA_VERSION
