"""The one voice-analysis cache, kept in the catalogue and keyed by content.

Why by content and not by voice: the same clip analysed by the same weights gives the same
result whether it belongs to a saved voice or to an unsaved reference on screen, and a key
that covers the audio, transcript, output rate and weights fingerprint can never serve a
stale analysis. The studio builds the key and (de)serialises the value; the library only
keeps bytes.
"""

from __future__ import annotations

import sqlite3

from glmtts_desktop.i18n import N_
from glmtts_desktop.library._state import LibraryState
from glmtts_desktop.library.db import transaction
from glmtts_desktop.library.types import utc_now


class PromptCacheStore(LibraryState):
    """Prompt-cache methods of ``Library`` (a mixin; see store.py for the shared state)."""

    def get_prompt_cache(self, key: str) -> bytes | None:
        with self._lock:
            r = self.conn.execute("SELECT data FROM prompt_cache WHERE key = ?", (key,)).fetchone()
            return bytes(r["data"]) if r is not None else None

    def put_prompt_cache(self, key: str, data: bytes) -> None:
        with self._lock, transaction(self.conn, N_("keep the voice analysis")):
            self.conn.execute(
                "INSERT OR REPLACE INTO prompt_cache (key, data, created_at) VALUES (?,?,?)",
                (key, sqlite3.Binary(bytes(data)), utc_now()),
            )

    def drop_prompt_cache(self, key: str | None = None) -> None:
        """Forget one analysis (a damaged entry) or, with None, all of them."""
        with self._lock, transaction(self.conn, N_("clear the voice analysis cache")):
            if key is None:
                self.conn.execute("DELETE FROM prompt_cache")
            else:
                self.conn.execute("DELETE FROM prompt_cache WHERE key = ?", (key,))
