"""RIFF INFO and Broadcast-WAV ``bext`` chunks, written here.

Why our own writer: libsndfile writes only a few INFO fields and no ``bext``, and mutagen reads
ID3-in-WAV only; archivists' tools (BWF MetaEdit, Audacity, broadcasters) read ``bext`` and
INFO. A WAV is a list of chunks, so we take the bytes libsndfile encoded, keep its ``fmt`` /
``fact`` / ``data`` chunks, drop any old ``LIST``/``bext``, and add ours. ``bext`` follows
EBU Tech 3285 version 1 (602 fixed bytes + coding history; ASCII only).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from glmtts_desktop.i18n import tr
from glmtts_desktop.library.errors import InvalidEntryError

# INFO ids we write, in this order (the EXIF-like names RIFF defines)
INFO_FIELDS = ("INAM", "IART", "ICMT", "ICRD", "ISFT", "IGNR", "IKEY", "ISRC", "ICOP")
BEXT_FIXED = 602


@dataclass(frozen=True)
class Bext:
    description: str  # up to 256 ASCII chars
    originator: str  # up to 32
    originator_reference: str  # up to 32
    date: str  # yyyy-mm-dd
    time: str  # hh:mm:ss
    coding_history: str = ""


def iter_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(id, payload) of each top-level chunk of a RIFF/WAVE file."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise InvalidEntryError(tr("This is not a WAV file."))
    pos = 12
    while pos + 8 <= len(data):
        cid = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        yield cid, data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)


def _chunk(cid: bytes, payload: bytes) -> bytes:
    pad = b"\x00" if len(payload) & 1 else b""
    return cid + struct.pack("<I", len(payload)) + payload + pad


def _ascii(text: str, size: int | None = None) -> bytes:
    raw = text.encode("ascii", "replace")
    return raw if size is None else raw[:size].ljust(size, b"\x00")


def info_chunk(fields: Mapping[str, str]) -> bytes:
    """A ``LIST``/``INFO`` chunk; values are UTF-8 (what libsndfile and most players read)."""
    body = b"INFO"
    for key in INFO_FIELDS:
        value = fields.get(key)
        if value:
            body += _chunk(key.encode("ascii"), value.encode("utf-8") + b"\x00")
    return _chunk(b"LIST", body)


def bext_chunk(b: Bext) -> bytes:
    payload = (
        _ascii(b.description, 256)
        + _ascii(b.originator, 32)
        + _ascii(b.originator_reference, 32)
        + _ascii(b.date, 10)
        + _ascii(b.time, 8)
        + struct.pack("<II", 0, 0)  # time reference (samples since midnight): unknown
        + struct.pack("<H", 1)  # version 1
        + b"\x00" * 64  # UMID
        + b"\x00" * 10  # loudness fields (version 2): unset
        + b"\x00" * 180  # reserved
    )
    assert len(payload) == BEXT_FIXED
    history = _ascii(b.coding_history) + b"\r\n" if b.coding_history else b""
    return _chunk(b"bext", payload + history)


def with_tags(wav: bytes, info: Mapping[str, str], bext: Bext | None) -> bytes:
    """The same audio with our INFO (and ``bext``) chunks in place of any old ones."""
    kept = [(cid, payload) for cid, payload in iter_chunks(wav) if cid not in (b"LIST", b"bext")]
    body = b"WAVE"
    for cid, payload in kept:
        if cid == b"data" and bext is not None:
            body += bext_chunk(bext)  # bext before the audio, where broadcast tools look first
        body += _chunk(cid, payload)
    body += info_chunk(info)
    return b"RIFF" + struct.pack("<I", len(body)) + body
