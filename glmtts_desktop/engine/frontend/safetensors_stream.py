"""Write a safetensors file one tensor at a time.

``safetensors.torch.save_file`` turns every tensor into a bytes object before writing, so a
1.6 GB state dict needs about twice its size in memory. Benchmarks and tests write
full-size random checkpoints, so we stream instead: the header is computed from shapes
alone, then each tensor is produced, written and dropped. The file is written under a temporary
name, fsynced and renamed, so a crash never leaves a half-written checkpoint behind.
"""

from __future__ import annotations

import json
import logging
import os
import struct
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

log = logging.getLogger(__name__)

_DTYPES = {
    torch.float32: ("F32", 4),
    torch.float16: ("F16", 2),
    torch.bfloat16: ("BF16", 2),
    torch.int64: ("I64", 8),
    torch.int32: ("I32", 4),
}


def write_safetensors_streaming(
    path: Path,
    specs: Sequence[tuple[str, tuple[int, ...], torch.dtype]],
    produce: Callable[[str], torch.Tensor],
    metadata: dict[str, str] | None = None,
) -> None:
    """Write tensors named in ``specs`` (name, shape, dtype), calling ``produce(name)`` for each."""
    path = Path(path)
    header: dict[str, object] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    for name, shape, dtype in specs:
        code, size = _DTYPES[dtype]
        nbytes = int(np.prod(shape, dtype=np.int64)) * size if shape else size
        header[name] = {"dtype": code, "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)  # keep the data 8-byte aligned, as safetensors does
    tmp = path.with_name(path.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(tmp, "wb") as fh:
            fh.write(struct.pack("<Q", len(blob)))
            fh.write(blob)
            for name, shape, dtype in specs:
                tensor = produce(name)
                if tuple(tensor.shape) != tuple(shape) or tensor.dtype != dtype:
                    raise ValueError(
                        f"{name}: produced {tuple(tensor.shape)}/{tensor.dtype}, declared {shape}/{dtype}"
                    )
                data = tensor.detach().to("cpu").contiguous()
                if dtype == torch.bfloat16:
                    data = data.view(torch.int16)
                fh.write(data.numpy().tobytes())  # little-endian on every platform torch supports
                del tensor, data
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("wrote %s (%d tensors, %.1f MB)", path, len(specs), (offset + len(blob) + 8) / 1e6)
