"""What this PC has: GPU, VRAM, CUDA as torch sees it, free disk.

torch is imported lazily, in a worker thread, only when the wizard's system page is shown:
the wizard itself opens instantly, and a missing or CPU-only torch is a normal answer.
"""

from __future__ import annotations

import logging
import platform
from dataclasses import dataclass
from pathlib import Path

from glmtts_desktop.gui.i18n import tr

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HardwareInfo:
    gpu_name: str | None
    vram_bytes: int | None
    cuda_version: str | None  # CUDA runtime torch was built with, when a GPU is usable
    torch_version: str | None
    note: str = ""  # why there is no GPU, in plain words

    @property
    def has_gpu(self) -> bool:
        return self.gpu_name is not None


def probe_torch() -> HardwareInfo:
    """Ask torch about the GPU; every failure becomes a plain note, never an exception."""
    try:
        import torch
    except Exception as exc:  # noqa: BLE001 - broken installs happen; the wizard still works
        log.info("torch unavailable: %s", exc)
        return HardwareInfo(None, None, None, None, note=tr("PyTorch could not be loaded ({exc}).", exc=exc))
    try:
        if torch.cuda.is_available():
            props = torch.cuda.get_device_properties(0)
            return HardwareInfo(props.name, int(props.total_memory), torch.version.cuda, torch.__version__)
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return HardwareInfo("Apple GPU (Metal)", None, None, torch.__version__)
        why = (
            tr("This PyTorch build has no CUDA support.")
            if torch.version.cuda is None
            else tr("No NVIDIA GPU or driver is visible to PyTorch.")
        )
        return HardwareInfo(None, None, None, torch.__version__, note=why)
    except Exception as exc:  # noqa: BLE001
        return HardwareInfo(
            None,
            None,
            None,
            getattr(torch, "__version__", None),
            note=tr("The GPU could not be queried ({exc}).", exc=exc),
        )


def describe(info: HardwareInfo) -> str:
    if info.has_gpu:
        vram = f", {info.vram_bytes / 2**30:.1f} GB VRAM" if info.vram_bytes else ""
        cuda = f", CUDA {info.cuda_version}" if info.cuda_version else ""
        return f"{info.gpu_name}{vram}{cuda}"
    return tr(
        "No usable GPU. {note} Speech will be generated on the CPU, which is much slower.", note=info.note
    )


def free_disk_text(folder: Path) -> str:
    from glmtts_desktop.models.diskspace import free_bytes, human

    try:
        return tr("{size} free at {folder}", size=human(free_bytes(folder)), folder=folder)
    except OSError as exc:
        return tr("free space unknown ({error})", error=exc)


def system_summary() -> str:
    return f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
