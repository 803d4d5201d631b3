"""Reading a text file whatever encoding its editor chose, and saying which one was used.

Chinese Windows editors often save GBK/GB18030 or "Unicode" (UTF-16 with a byte-order mark);
refusing those as "not UTF-8" sent people away. Order: a byte-order mark decides; then UTF-16
without a mark when its NUL-byte pattern is unmistakable; then strict UTF-8; then
charset-normalizer's guess, where any East Asian legacy guess becomes GB18030 when the bytes
decode as GB18030 (a superset of GBK and GB2312: short GBK texts are often mistaken for Big5).
"""

from __future__ import annotations

import codecs
import logging
from dataclasses import dataclass
from pathlib import Path

from glmtts_desktop.engine.errors import TextInputError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

MAX_BYTES = 16 * 1024 * 1024  # a text to speak; larger is not a text file somebody typed
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_EAST_ASIAN = ("big5", "gb2312", "gbk", "gb18030", "hz", "euc_kr", "cp949", "johab", "cp950", "big5hkscs")


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # the codec used, e.g. "utf-8", "gb18030", "utf-16"
    detected: bool  # True when guessed (no BOM, not valid UTF-8): worth telling the person


def decode_text(data: bytes) -> DecodedText:
    """The text in ``data`` and the encoding it was read with; TextInputError if none fits."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data.decode(codec), codec.replace("-sig", ""), False)
            except UnicodeDecodeError:
                break
    utf16 = _utf16_without_bom(data)  # before UTF-8: NUL bytes are valid UTF-8 too
    if utf16 is not None:
        return utf16
    try:
        return DecodedText(data.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError:
        pass
    guess = _charset_normalizer_guess(data)
    if guess is not None:
        return guess
    raise TextInputError(
        tr("The text file is not in an encoding that could be recognised."),
        hint=tr("Save it as UTF-8 (in Notepad: Save as, Encoding: UTF-8)."),
    )


def read_text_file(path: Path) -> DecodedText:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise TextInputError(
                tr("The text file {path} is too large ({mb} MB).", path=str(path), mb=size // 2**20),
                hint=tr("Split it into smaller files."),
            )
        data = path.read_bytes()
    except OSError as exc:
        raise TextInputError(
            tr("Cannot read the text file {path}.", path=str(path)), detail=str(exc)
        ) from exc
    decoded = decode_text(data)
    log.info("read %s as %s%s", path, decoded.encoding, " (detected)" if decoded.detected else "")
    return decoded


def _utf16_without_bom(data: bytes) -> DecodedText | None:
    """Mostly-ASCII UTF-16 has a NUL in every other byte; nothing else looks like that."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for zeros, codec in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros.count(0) >= 0.4 * len(zeros) and (even if zeros is odd else odd).count(0) == 0:
            try:
                return DecodedText(data.decode(codec), codec, True)
            except UnicodeDecodeError:
                return None
    return None


def _charset_normalizer_guess(data: bytes) -> DecodedText | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_exclusion=["utf_16", "utf_16_le", "utf_16_be", "utf_32"]).best()
    name = best.encoding if best is not None else ""
    if best is None or name in _EAST_ASIAN:
        try:
            return DecodedText(data.decode("gb18030"), "gb18030", True)
        except UnicodeDecodeError:
            pass
    if best is None:
        return None
    return DecodedText(str(best), name.replace("_", "-"), True)
