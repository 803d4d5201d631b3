"""Typed library errors with user-facing messages."""

from __future__ import annotations

from glmtts_desktop.errors import GlmTtsError, InvalidInputError
from glmtts_desktop.i18n import tr


class LibraryError(GlmTtsError):
    """Base class of every error raised by ``glmtts_desktop.library``."""


class StorageError(LibraryError):
    """The library folder or its catalogue could not be read or written."""

    exit_code = 6


class DiskFullError(StorageError):
    """The disk filled up; nothing was added and the catalogue is unchanged."""


class LibraryVersionError(StorageError):
    """The catalogue was written by a newer version of the app."""


class NotFoundError(LibraryError, InvalidInputError):
    """No voice or generation with that id (or it was purged)."""


class InvalidEntryError(LibraryError, InvalidInputError):
    """A name, transcript, consent record or audio given to the library cannot be stored."""


class DuplicateVoiceError(LibraryError, InvalidInputError):
    """The voice is already in the library (same name, original or reference audio); the
    front end asks whether to keep both or skip, and calls again with that choice."""

    def __init__(self, name: str, existing_id: str, existing_name: str) -> None:
        super().__init__(
            f"The voice “{name}” is already in the library as “{existing_name}”.",
            hint="Open the existing voice, or add it anyway as a second copy.",
        )
        self.name = name
        self.existing_id = existing_id
        self.existing_name = existing_name


class DuplicateClipError(LibraryError, InvalidInputError):
    """The recording is already a clip of this voice (same audio samples): a second copy would
    only clutter the clip list, so the library refuses it and names the clip that has it."""

    def __init__(self, voice_name: str, existing_clip_id: str, existing_transcript: str) -> None:
        super().__init__(
            tr(
                "This recording is already a clip of “{name}” (“{transcript}”).",
                name=voice_name,
                transcript=existing_transcript,
            ),
            hint=tr("Choose another recording, or another part of this one."),
            detail=existing_clip_id,
        )
        self.voice_name = voice_name
        self.existing_clip_id = existing_clip_id
        self.existing_transcript = existing_transcript


class ArchiveError(LibraryError, InvalidInputError):
    """An archive cannot be read or imported; nothing was added to the library."""


class UnsafeArchiveError(ArchiveError):
    """The archive holds something that could write outside its folder or fill the disk
    (``..``, absolute names, links, unknown files, a decompression bomb)."""


class ArchiveChecksumError(ArchiveError):
    """A file in the archive does not match its recorded checksum (damaged or changed)."""
