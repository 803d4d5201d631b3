"""Batch ``uttid`` -> a file name that is safe on every system, and text safe for a terminal.

A job file comes from elsewhere (a dataset, a script, a colleague). Its ``uttid`` becomes a file
name and is echoed to the terminal, so it must not smuggle in a newline (``trail⏎.wav``), an
escape sequence (a title change or a screen clear when printed), a name that Windows treats as
a device (``CON``, ``NUL``, ``COM1``…), or a name longer than the file system allows once the
temporary name used for the atomic write is added.
"""

from __future__ import annotations

import re
import unicodedata

from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import tr

# Most file systems (ext4, NTFS in UTF-16 units, APFS) limit one name to 255 bytes/units.
MAX_NAME_BYTES = 255
# Characters Windows refuses in names, plus both path separators.
_FORBIDDEN = frozenset('<>:"/\\|?*')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|conin\$|conout\$|(com|lpt)[0-9¹²³])$", re.IGNORECASE)
# Bidirectional overrides reorder what the terminal shows (a name can pretend to be another).
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI


def safe_terminal_text(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\n``), so a
    message can never move the cursor, clear the screen or set the window title."""
    if not any(_is_control(ch) for ch in text):
        return text
    return "".join(ch.encode("unicode_escape").decode("ascii") if _is_control(ch) else ch for ch in text)


def batch_file_name(uttid: str, extension: str) -> str:
    """The output file name for one job, or InvalidInputError saying why the uttid cannot be one.

    Control characters are dropped and surrounding spaces and dots trimmed (Windows drops
    trailing ones itself); separators and Windows-forbidden characters are refused rather than
    replaced, so two different uttids never silently share one file.
    """
    stem = "".join(ch for ch in uttid if not _is_control(ch)).strip().strip(".").strip()
    shown = safe_terminal_text(uttid)
    if not stem:
        raise InvalidInputError(
            tr("uttid {shown} is empty once control characters are removed.", shown=repr(shown))
        )
    bad = sorted({ch for ch in stem if ch in _FORBIDDEN})
    if bad:
        raise InvalidInputError(
            tr(
                "uttid {shown} contains {value}, which cannot be in a file name.",
                shown=repr(shown),
                value=" ".join(bad),
            ),
            hint=tr("Use letters, digits, spaces, '.', '_' or '-'."),
        )
    if _WINDOWS_RESERVED.match(stem.split(".", 1)[0].rstrip()):
        raise InvalidInputError(
            tr(
                "uttid {shown} is a reserved device name on Windows and cannot be a file name.",
                shown=repr(shown),
            ),
            hint="Rename it, for example to '{}_1'.".format(stem.split(".", 1)[0]),
        )
    name = f"{stem}.{extension}"
    size = len(name.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        raise InvalidInputError(
            tr(
                "uttid {shown}… is too long for a file name ({size} bytes with the extension; at most {MAX_NAME_BYTES}).",
                shown=repr(shown[:40]),
                size=size,
                MAX_NAME_BYTES=MAX_NAME_BYTES,
            ),
            hint=tr("Shorten it."),
        )
    return name


def name_key(name: str) -> str:
    """Two names that one case-insensitive file system (Windows, macOS) would treat as one."""
    return unicodedata.normalize("NFC", name).casefold()
