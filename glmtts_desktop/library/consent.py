"""Consent records per voice: who agreed, when, how, on what basis, for what use, and the
evidence (a recorded consent clip or a scanned letter), kept byte for byte.

Why in the library: consent belongs to the voice for as long as the voice is kept, travels
with it into archives, and its withdrawal must survive restarts. The rule that uses it
(no new generations after a withdrawal) lives in ``studio.consent``.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from glmtts_desktop.i18n import N_, tr
from glmtts_desktop.library._state import LibraryState
from glmtts_desktop.library.db import transaction
from glmtts_desktop.library.errors import InvalidEntryError
from glmtts_desktop.library.files import copy_content_addressed
from glmtts_desktop.library.paths import AUDIO_DIRNAME
from glmtts_desktop.library.types import CONSENT_BASES, ConsentRecord, Voice, utc_now

log = logging.getLogger(__name__)

EVIDENCE_DIRNAME = "consent"


def check_consent(c: ConsentRecord) -> None:
    if not c.who.strip() or not c.how.strip() or not str(c.when).strip():
        raise InvalidEntryError(tr("A consent record needs who agreed, when, and how."))
    if c.basis not in CONSENT_BASES:
        raise InvalidEntryError(
            tr("Unknown consent basis {basis}.", basis=repr(c.basis)),
            hint=tr("Use one of: {choices}.", choices=", ".join(CONSENT_BASES)),
        )


def consent_from_row(c: sqlite3.Row, abs_path: Path | None) -> ConsentRecord:
    return ConsentRecord(
        who=c["who"],
        how=c["how"],
        when=c["given_when"],
        basis=c["basis"],
        relationship=c["relationship"],
        scope=c["scope"],
        revoked_at=c["revoked_at"],
        recorded_at=c["recorded_at"],
        evidence_path=abs_path,
        evidence_sha256=c["evidence_sha256"],
        evidence_name=c["evidence_name"],
    )


class ConsentStore(LibraryState):
    """Consent methods of ``Library`` (a mixin; see store.py for the shared state)."""

    if TYPE_CHECKING:  # provided by VoiceStore

        def get_voice(self, voice_id: str) -> Voice: ...
        def _described(self, voice: Voice) -> Voice: ...

    def _write_consent(self, voice_id: str, c: ConsentRecord) -> None:
        evidence_rel = self._rel(c.evidence_path) if c.evidence_path is not None else None
        self.conn.execute(
            "INSERT OR REPLACE INTO consents (voice_id, who, given_when, how, basis, relationship, scope,"
            " revoked_at, recorded_at, evidence_rel_path, evidence_sha256, evidence_name)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                voice_id,
                c.who.strip(),
                str(c.when),
                c.how.strip(),
                c.basis,
                c.relationship,
                c.scope,
                c.revoked_at,
                c.recorded_at or utc_now(),
                evidence_rel,
                c.evidence_sha256,
                c.evidence_name,
            ),
        )

    def _read_consent(self, voice_id: str) -> ConsentRecord | None:
        c = self.conn.execute("SELECT * FROM consents WHERE voice_id = ?", (voice_id,)).fetchone()
        if c is None:
            return None
        rel = c["evidence_rel_path"]
        return consent_from_row(c, self._abs(rel) if rel else None)

    def keep_evidence(self, source: str | Path) -> ConsentRecord:
        """Copy an evidence file (consent clip, scanned letter) into the library, byte for byte;
        returns an empty record carrying only the evidence fields, to ``replace`` into a consent."""
        src = Path(source)
        folder = self.root / AUDIO_DIRNAME / EVIDENCE_DIRNAME
        digest, dest, _size = copy_content_addressed(src, folder, what=N_("consent evidence"))
        return ConsentRecord(
            who="", how="", evidence_path=dest, evidence_sha256=digest, evidence_name=src.name
        )

    def set_consent(
        self, voice_id: str, consent: ConsentRecord | None, *, evidence: str | Path | None = None
    ) -> Voice:
        """Store (or with None, remove) the voice's consent record; ``evidence`` is a file to
        keep with it (copied into the library)."""
        if consent is not None:
            check_consent(consent)
            if evidence is not None:
                kept = self.keep_evidence(evidence)
                consent = replace(
                    consent,
                    evidence_path=kept.evidence_path,
                    evidence_sha256=kept.evidence_sha256,
                    evidence_name=kept.evidence_name,
                )
        with self._lock:
            self.get_voice(voice_id)
            with transaction(self.conn, N_("save the consent record")):
                if consent is None:
                    self.conn.execute("DELETE FROM consents WHERE voice_id = ?", (voice_id,))
                else:
                    self._write_consent(voice_id, consent)
            return self._described(self.get_voice(voice_id))

    def revoke_consent(self, voice_id: str) -> Voice:
        """Mark consent as withdrawn now (the record is kept, with the date)."""
        with self._lock:
            v = self.get_voice(voice_id)
            if v.consent is None:
                raise InvalidEntryError(tr("This voice has no consent record to withdraw."))
            with transaction(self.conn, N_("withdraw consent")):
                self.conn.execute(
                    "UPDATE consents SET revoked_at = ? WHERE voice_id = ?", (utc_now(), voice_id)
                )
            log.info("consent for voice %s withdrawn", voice_id)
            return self._described(self.get_voice(voice_id))
