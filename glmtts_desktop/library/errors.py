"""Typed library errors with user-facing messages."""

from __future__ import annotations

from glmtts_desktop.errors import GlmTtsError, InvalidInputError


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
