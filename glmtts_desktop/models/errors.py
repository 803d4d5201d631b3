"""Errors of the weights layer (where weights live, download, verify, import).

Every failure a person can meet while getting the weights is one of these, each with a
sentence that says what happened and a next step; the technical detail (URLs, byte
offsets, exception text) goes into ``detail`` for the log and the "details" button.
"""

from __future__ import annotations

from glmtts_desktop.errors import CancelledError, GlmTtsError, InvalidInputError

__all__ = [
    "ModelsError",
    "ManifestError",
    "UnsafePathError",
    "EndpointError",
    "NetworkError",
    "StalledError",
    "NotOfferedError",
    "SourceMismatchError",
    "IntegrityError",
    "DiskSpaceError",
    "MissingWeightsError",
    "ImportWeightsError",
    "DownloadCancelledError",
    "AlreadyDownloadingError",
]


class ModelsError(GlmTtsError):
    """Root of the weights layer's errors."""


class ManifestError(ModelsError):
    """The shipped manifest is missing or unreadable: the installation itself is broken."""


class UnsafePathError(ModelsError):
    """A file name from metadata or a manifest would escape the model folder (``..``, absolute)."""

    exit_code = 3


class EndpointError(InvalidInputError):
    """The download address the user typed cannot be used."""


class NetworkError(ModelsError):
    """The server could not be reached or kept failing; what was downloaded is kept."""

    exit_code = 4


class StalledError(NetworkError):
    """No bytes arrived for too long, even after retries."""


class NotOfferedError(NetworkError):
    """The server answered, but has no such repository, revision or file (HTTP 404)."""


class SourceMismatchError(ModelsError):
    """The server offers a file that differs from the pinned manifest (size or hash)."""

    exit_code = 5


class IntegrityError(ModelsError):
    """A file's bytes do not match the hash they must have."""

    exit_code = 5


class DiskSpaceError(ModelsError):
    """Not enough free space for the weights; nothing already downloaded was removed."""

    exit_code = 6


class MissingWeightsError(ModelsError):
    """Some weight files are absent or wrong in the model folder."""

    exit_code = 7

    def __init__(
        self,
        message: str,
        *,
        missing: list[str] | None = None,
        wrong: list[str] | None = None,
        hint: str = "",
        detail: str = "",
    ) -> None:
        super().__init__(message, hint=hint, detail=detail)
        self.missing = list(missing or [])
        self.wrong = list(wrong or [])


class ImportWeightsError(MissingWeightsError):
    """A folder brought from elsewhere lacks files or has damaged ones."""


class DownloadCancelledError(CancelledError):
    """The user stopped the download; partial files stay so it can resume."""

    def __init__(
        self, message: str = "Download paused. Start it again to continue where it stopped.", **kw: str
    ) -> None:
        super().__init__(message, **kw)


class AlreadyDownloadingError(ModelsError):
    """Another process (a second window, the CLI) is writing the same ``.part`` right now."""

    exit_code = 4
