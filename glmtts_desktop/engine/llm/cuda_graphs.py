"""CUDA-graph replay of the LLM decode step, one graph per attention-span bucket.

Why: a decode step is ~1,000 small kernels; launched from Python one by one, a GPU spends most of
each step waiting for the host. A captured graph launches them all with one call. We capture by
hand with ``torch.cuda.graph`` (no Triton, so it works on Windows too).

``SpeechLM.static_step`` reads its token and position from static device buffers and writes
into a KV cache whose memory stays put, so one capture per span stays valid for every step with
that span, until the cache is reallocated (``cache_generation`` changes; all graphs are then
dropped and captured again on demand). If capturing fails (an old driver, out of memory, an op
that cannot be captured), graphs are switched off for this model with one log line and the
steps run eagerly: same numbers, slower, never a crash.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from glmtts_desktop.engine.llm.model import SpeechLM

log = logging.getLogger(__name__)

WARMUP_STEPS = 2  # eager runs on a side stream before capture, as torch.cuda.graph requires


class DecodeGraphs:
    """Captured decode steps of one model, keyed by span; ``replay`` returns None when eager."""

    def __init__(self, model: SpeechLM) -> None:
        self.model = model
        self.failed = False
        self._generation = -1
        self._graphs: dict[int, tuple[torch.cuda.CUDAGraph, torch.Tensor]] = {}

    @property
    def spans(self) -> list[int]:
        """The spans captured so far (for logs and tests)."""
        return sorted(self._graphs)

    def clear(self) -> None:
        self._graphs.clear()

    def replay(self, span: int) -> torch.Tensor | None:
        """Run the step for ``span`` from its graph (capturing it first if needed); the logits
        tensor returned is the graph's static output, overwritten by the next replay of the same
        span. None means: run the step eagerly."""
        if self.failed:
            return None
        if self._generation != self.model.cache_generation:
            self._graphs.clear()
            self._generation = self.model.cache_generation
        entry = self._graphs.get(span)
        if entry is None:
            entry = self._capture(span)
            if entry is None:
                return None
        graph, out = entry
        graph.replay()
        return out

    def _capture(self, span: int) -> tuple[torch.cuda.CUDAGraph, torch.Tensor] | None:
        """Capture ``static_step(span)``. The warm-up runs write the current token's K/V at the
        current position, exactly what the replay that follows writes again, so capturing in the
        middle of a segment changes nothing."""
        model = self.model
        try:
            stream = torch.cuda.Stream(device=model.device)
            stream.wait_stream(torch.cuda.current_stream(model.device))
            with torch.cuda.stream(stream):
                for _ in range(WARMUP_STEPS):
                    model.static_step(span)
            torch.cuda.current_stream(model.device).wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            # thread_local: a streamed segment's render thread (engine/render_lane.py) may be
            # allocating and syncing its own CUDA stream while a new span is captured here
            with torch.cuda.graph(graph, capture_error_mode="thread_local"):
                out = model.static_step(span)
        except Exception as exc:  # any capture failure: fall back to eager, never crash
            self.failed = True
            self._graphs.clear()
            log.warning("CUDA graph capture failed (%s); decoding without graphs", str(exc).splitlines()[0])
            return None
        self._graphs[span] = (graph, out)
        log.debug("captured the decode step for span %d", span)
        return graph, out
