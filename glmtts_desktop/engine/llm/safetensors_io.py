"""Read safetensors headers ourselves and write safetensors files one tensor at a time.

Why our own header reader: it lets us name the exact file and the exact problem (truncated
download, garbage header, tensor cut short) before any weight is touched, instead of surfacing a
library exception. Why our own writer: ``safetensors.save_file`` needs every tensor of a shard in
memory at once (about 5 GB for the first official shard); writing the header from the shapes and
then streaming tensor by tensor keeps a 6 GB random checkpoint writable on a small machine.
"""

from __future__ import annotations

import json
import logging
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import torch

from glmtts_desktop import fsutil
from glmtts_desktop.engine.errors import CorruptWeightsError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

HINT_REDOWNLOAD = "Re-download the model (or run the model verification) and try again."
_MAX_HEADER = 100 * 1024 * 1024

DTYPE_SIZES = {
    "F64": 8,
    "F32": 4,
    "F16": 2,
    "BF16": 2,
    "I64": 8,
    "I32": 4,
    "I16": 2,
    "I8": 1,
    "U8": 1,
    "BOOL": 1,
}
_TORCH_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


_TORCH_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
READ_CHUNK_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class TensorInfo:
    dtype: str
    shape: tuple[int, ...]
    start: int  # absolute byte offsets in the file
    end: int


def _corrupt(path: Path, why: str) -> CorruptWeightsError:
    return CorruptWeightsError(
        tr("The weight file {path} is damaged: {why}.", path=path, why=why),
        hint=HINT_REDOWNLOAD,
        detail=str(path),
    )


def read_header(path: Path) -> dict[str, TensorInfo]:
    """Parse and check a safetensors header against the file's size.

    Raises CorruptWeightsError when the file is too short, the header is not valid JSON, or a
    tensor's byte range does not fit its shape or runs past the end of the file (truncation).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            raw_len = f.read(8)
            if len(raw_len) < 8:
                raise _corrupt(path, "the file is too short to be a safetensors file (truncated?)")
            (n,) = struct.unpack("<Q", raw_len)
            if n == 0 or n > _MAX_HEADER or 8 + n > size:
                raise _corrupt(path, "its header length is invalid (truncated or not a safetensors file)")
            raw = f.read(n)
    except OSError as exc:
        raise _corrupt(path, f"it cannot be read ({exc})") from exc
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _corrupt(path, "its header is not valid JSON") from exc
    if not isinstance(header, dict):
        raise _corrupt(path, "its header is not a JSON object")
    data_size = size - 8 - n
    out: dict[str, TensorInfo] = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype = entry["dtype"]
            shape = tuple(int(x) for x in entry["shape"])
            start, end = (int(x) for x in entry["data_offsets"])
        except (KeyError, TypeError, ValueError) as exc:
            raise _corrupt(path, f"the header entry for {name!r} is malformed") from exc
        if dtype not in DTYPE_SIZES:
            raise _corrupt(path, f"tensor {name!r} has an unknown dtype {dtype!r}")
        numel = 1
        for d in shape:
            numel *= d
        if end - start != numel * DTYPE_SIZES[dtype] or start < 0:
            raise _corrupt(path, f"the byte range of tensor {name!r} does not match its shape")
        if end > data_size:
            raise _corrupt(
                path,
                f"tensor {name!r} ends at byte {end} but the file holds only {data_size} data bytes "
                "(the download is probably incomplete)",
            )
        out[name] = TensorInfo(dtype, shape, 8 + n + start, 8 + n + end)
    return out


def read_into(
    f,
    info: TensorInfo,
    dest: torch.Tensor,
    path: Path,
    chunk_bytes: int = READ_CHUNK_BYTES,
    scratch: torch.Tensor | None = None,
) -> None:
    """Copy one tensor from the open file ``f`` into ``dest`` (any device/dtype), chunk by chunk.

    Plain reads instead of a memory map: the process never holds more than one chunk of the
    file (a mapped 6 GB checkpoint shows up as resident memory while loading), and converting
    chunk by chunk means a bf16 model on the GPU never needs an fp32 copy of a whole tensor.
    A CPU destination of the stored dtype is read into directly. ``scratch`` (uint8, at least
    ``chunk_bytes``) lets the caller reuse one staging buffer for every tensor.
    """
    src_dtype = _TORCH_DTYPES.get(info.dtype)
    if src_dtype is None:
        raise _corrupt(path, f"a tensor has dtype {info.dtype}, expected F32, F16 or BF16")
    item = DTYPE_SIZES[info.dtype]
    flat = dest.view(-1)
    numel = flat.numel()
    if numel * item != info.end - info.start:
        raise _corrupt(path, "a tensor's size does not match the model")
    f.seek(info.start)
    if flat.device.type == "cpu" and flat.dtype == src_dtype:
        target = flat.view(torch.uint8) if item > 1 else flat
        _read_exact(f, target.numpy().data, path)
        return
    per = max(1, chunk_bytes // item)
    if scratch is None or scratch.numel() < per * item:
        scratch = torch.empty(per * item, dtype=torch.uint8)
    view = scratch.numpy().data
    for lo in range(0, numel, per):
        n = min(per, numel - lo)
        _read_exact(f, view[: n * item], path)
        flat[lo : lo + n].copy_(scratch[: n * item].view(src_dtype))


def _read_exact(f, buf: memoryview, path: Path) -> None:
    got = f.readinto(buf)
    while got is not None and 0 < got < len(buf):  # readinto may return short counts
        more = f.readinto(buf[got:])
        if not more:
            break
        got += more
    if got != len(buf):
        raise _corrupt(path, "the file ended early (the download is probably incomplete)")


atomic_write_bytes = fsutil.atomic_write_bytes


def write_streaming(
    path: Path,
    specs: Iterable[tuple[str, tuple[int, ...], torch.dtype]],
    make: Callable[[str, tuple[int, ...]], torch.Tensor],
) -> None:
    """Write a safetensors file whose tensors are produced one at a time by ``make``.

    ``specs`` fixes names, shapes and dtypes up front (the header precedes the data);
    ``make(name, shape)`` must return a contiguous CPU tensor of that shape (it is cast to the
    declared dtype). Published atomically (``fsutil.atomic_write_via``: a unique hidden temporary
    name, fsync, rename), so a crash leaves the old file or the complete new one.
    """
    specs = list(specs)
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape, dtype in specs:
        nbytes = DTYPE_SIZES[_TORCH_NAMES[dtype]]
        for d in shape:
            nbytes *= d
        header[name] = {
            "dtype": _TORCH_NAMES[dtype],
            "shape": list(shape),
            "data_offsets": [offset, offset + nbytes],
        }
        offset += nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(raw)))
            f.write(raw)
            for name, shape, dtype in specs:
                t = make(name, shape).to(dtype).contiguous()
                if tuple(t.shape) != tuple(shape):
                    raise ValueError(f"{name}: made shape {tuple(t.shape)}, declared {shape}")
                # bfloat16 has no numpy dtype: write its bytes through a same-size integer view.
                view = t.view(torch.int16) if dtype == torch.bfloat16 else t
                f.write(view.numpy().data.cast("B"))
                del t, view

    fsutil.atomic_write_via(Path(path), write)
    log.debug("wrote %s (%d tensors, %d data bytes)", path, len(specs), offset)
