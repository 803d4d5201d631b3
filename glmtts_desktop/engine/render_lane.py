"""A worker thread (with its own CUDA stream on a GPU) that renders streamed chunks off the LLM loop.

Why: rendered between two decode steps, a chunk's flow + vocoder stalls the LLM for as long as
they take. On a GPU the two can run at the same time: the LLM's kernels on the default stream,
the chunk's on a second ``torch.cuda.Stream``. The worker thread issues the chunk's kernels
(the LLM thread only hands it a copy of the token ids, which are on the host anyway: the
sampler reads each token back), waits for them by copying the audio to the host, and leaves
the audio for the LLM thread to deliver. The LLM thread waits only at the end of the segment
(``wait``). A CUDA event recorded after each chunk's work lets ``wait`` join the render stream
into the caller's stream, so whatever the caller runs next is ordered after the chunk.

The same class runs on the CPU with ``cuda_stream=None`` (tests; a CPU does not gain from it
on two cores, so the engine keeps the inline lane there). Jobs run in order; a job marked
skippable is dropped when a newer one is already waiting (its tokens are a prefix of the newer
job's, so the newer chunk simply covers more).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable

import torch

log = logging.getLogger(__name__)


class ThreadLane:
    """Runs submitted jobs in order on one worker thread; re-raises a job's error in the caller."""

    def __init__(
        self, cuda_stream: torch.cuda.Stream | None = None, device: torch.device | None = None
    ) -> None:
        self.cuda_stream = cuda_stream
        self.device = device
        self._jobs: queue.Queue[tuple[Callable[[], None], bool] | None] = queue.Queue()
        self._error: BaseException | None = None
        self._idle = threading.Condition()
        self._pending = 0  # submitted and not finished
        self._event: torch.cuda.Event | None = None
        self._thread = threading.Thread(target=self._run, name="glmtts-stream-render", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], None], *, skippable: bool) -> None:
        self._raise_error()
        with self._idle:
            self._pending += 1
        self._jobs.put((job, skippable))

    def wait(self) -> None:
        """Block until every submitted job ran; raise the first error one of them raised."""
        with self._idle:
            while self._pending and self._error is None:
                self._idle.wait()
        if self._event is not None and self.cuda_stream is not None:
            torch.cuda.current_stream(self.device).wait_event(self._event)
        self._raise_error()

    def close(self) -> None:
        """Stop the worker after the job it is running (if any); pending jobs are dropped."""
        if not self._thread.is_alive():
            return
        while True:  # drop what has not started: the segment is over or failed
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        self._jobs.put(None)  # the stop sign
        self._thread.join()

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _context(self) -> contextlib.AbstractContextManager[object]:
        if self.cuda_stream is None:
            return contextlib.nullcontext()
        stack = contextlib.ExitStack()
        stack.enter_context(torch.cuda.device(self.device))
        stack.enter_context(torch.cuda.stream(self.cuda_stream))
        return stack

    def _run(self) -> None:
        with self._context():
            while True:
                item = self._jobs.get()
                if item is None:
                    return
                job, skippable = item
                try:
                    if self._error is None and not (skippable and not self._jobs.empty()):
                        job()
                        if self.cuda_stream is not None:
                            self._event = torch.cuda.Event()
                            self._event.record(self.cuda_stream)
                except BaseException as exc:  # handed to the caller's thread, never lost
                    self._error = exc
                finally:
                    with self._idle:
                        self._pending -= 1
                        self._idle.notify_all()
