"""Running out of memory, on the GPU or in RAM, becomes one typed error the engine survives.

torch reports a failed CPU allocation as a plain RuntimeError ("DefaultCPUAllocator: can't
allocate memory"), numpy as a MemoryError subclass; both used to escape as a traceback with
exit code 1. The CLI and the GUI show the error's sentence and keep the engine loaded.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import torch

from glmtts_desktop.engine.errors import GpuOutOfMemoryError
from glmtts_desktop.errors import as_out_of_memory
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)


@contextlib.contextmanager
def translate_oom() -> Iterator[None]:
    """A CUDA OOM empties the cache (so the engine stays usable); a RAM failure is typed too."""
    try:
        yield
    except torch.cuda.OutOfMemoryError as exc:
        torch.cuda.empty_cache()
        raise GpuOutOfMemoryError(
            tr("The GPU ran out of memory."),
            hint=tr("Close other GPU programs, use shorter text, or unload and reload the model."),
            detail=str(exc).splitlines()[0] if str(exc) else "",
        ) from exc
    except (MemoryError, RuntimeError) as exc:
        oom = as_out_of_memory(exc)
        if oom is None:
            raise
        log.debug("allocation failed", exc_info=True)
        raise oom from exc
