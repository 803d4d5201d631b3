"""Library core: voices (originals kept byte-for-byte, references, consent, prompt cache) and
generations (history with provenance), in SQLite + plain audio files. Never imports Qt/torch.

    lib = Library(root)          # or Library() for the platform's user data folder
    v = lib.add_voice("Grandma", "voicemail.wav", "Hello dear ...", consent=ConsentRecord(...))
    g = lib.add_generation(text, v.id, v.name, seed, settings, audio, 24000)
"""

from glmtts_desktop.library.db import SCHEMA_VERSION
from glmtts_desktop.library.errors import (
    ArchiveChecksumError,
    ArchiveError,
    DiskFullError,
    DuplicateClipError,
    DuplicateVoiceError,
    InvalidEntryError,
    LibraryError,
    LibraryVersionError,
    NotFoundError,
    StorageError,
    UnsafeArchiveError,
)
from glmtts_desktop.library.paths import default_library_root
from glmtts_desktop.library.store import IntegrityProblem, Library
from glmtts_desktop.library.types import CONSENT_BASES, ConsentRecord, Generation, Voice, VoiceClip

__all__ = [
    "SCHEMA_VERSION",
    "ArchiveChecksumError",
    "ArchiveError",
    "DuplicateClipError",
    "DuplicateVoiceError",
    "UnsafeArchiveError",
    "DiskFullError",
    "InvalidEntryError",
    "LibraryError",
    "LibraryVersionError",
    "NotFoundError",
    "StorageError",
    "default_library_root",
    "IntegrityProblem",
    "Library",
    "CONSENT_BASES",
    "ConsentRecord",
    "Generation",
    "Voice",
    "VoiceClip",
]
