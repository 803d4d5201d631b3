"""The long-text prompt cache of the reference (spec §7.6).

For long texts each segment's LLM prompt is the original voice prompt followed by earlier
segments (their text ids and generated speech ids), so the voice stays consistent across
segments. The speech part is kept under a budget (750 ids): before a segment, the expected
speech length of the new text is estimated from the cached speech/text ratio, and the oldest
generated segments are evicted until cache + estimate fits. The original prompt is never
evicted. Entries are plain int lists, so a one-token text entry concatenates like any other
(the reference's ``squeeze().tolist()`` breaks on it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

log = logging.getLogger(__name__)

MAX_LLM_SEQ_INP_LEN = 750


class PromptCache:
    """Per-request cache of (text ids, speech ids) entries; entry 0 is the voice prompt."""

    def __init__(
        self,
        prompt_text_ids: Sequence[int],
        prompt_speech_ids: Sequence[int],
        budget: int = MAX_LLM_SEQ_INP_LEN,
        *,
        use_cache: bool = True,
    ) -> None:
        self.budget = int(budget)
        self.use_cache = bool(use_cache)
        self._entries: list[tuple[list[int], list[int]]] = [
            ([int(x) for x in prompt_text_ids], [int(x) for x in prompt_speech_ids])
        ]

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def entries(self) -> list[tuple[list[int], list[int]]]:
        """Copies of the current entries, oldest first (entry 0 is the original prompt)."""
        return [(list(t), list(s)) for t, s in self._entries]

    def _speech_total(self) -> int:
        return sum(len(s) for _, s in self._entries)

    def select(self, text_ids: Sequence[int]) -> tuple[list[int], list[int]]:
        """The (prompt_text_ids, prompt_speech_ids) to use for a segment with ``text_ids``.

        Evicts the oldest generated segments (never the original prompt) while the cached
        speech ids plus the estimated speech length of ``text_ids`` exceed the budget.
        """
        if not self.use_cache or len(self._entries) <= 1:
            text, speech = self._entries[0]
            return list(text), list(speech)
        text_total = sum(len(t) for t, _ in self._entries)
        ratio = self._speech_total() / (text_total if text_total > 0 else 1.0)
        estimate = int(ratio * len(text_ids))
        while self._speech_total() + estimate > self.budget and len(self._entries) > 1:
            dropped = self._entries.pop(1)
            log.debug("prompt cache: evicted a segment of %d speech ids", len(dropped[1]))
        text_out: list[int] = []
        speech_out: list[int] = []
        for t, s in self._entries:
            text_out.extend(t)
            speech_out.extend(s)
        return text_out, speech_out

    def append(self, text_ids: Sequence[int], speech_ids: Sequence[int]) -> None:
        """Record a finished segment (its text ids and generated raw speech ids)."""
        self._entries.append(([int(x) for x in text_ids], [int(x) for x in speech_ids]))
