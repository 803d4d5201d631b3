"""The "only here" overrides that belong to each state of the text, so Undo brings them back.

Why: deleting text drops the overrides anchored in it (their characters are gone); the editor's
own Undo restores the characters but knows nothing about overrides. Each text state is keyed by
the editor's undo position (``QTextDocument.availableUndoSteps``) and a hash of the text; when
an edit lands on a state seen before with the same text (an undo, a redo, or retyping exactly
the same), the local overrides of that state come back. Overrides that are still in place win
(a newer choice for the same characters); "everywhere" overrides are not tied to positions and
are never touched here.
"""

from __future__ import annotations

import logging

from glmtts_desktop.engine.types import PronunciationOverride

log = logging.getLogger(__name__)

Local = tuple[str, str, int]  # (text, replacement, offset)


def _locals(overrides: tuple[PronunciationOverride, ...]) -> frozenset[Local]:
    return frozenset(
        (o.text, o.replacement, off) for o in overrides if o.occurrences is not None for off in o.occurrences
    )


class OverrideHistory:
    """Snapshots of the local overrides per (undo position, text)."""

    def __init__(self) -> None:
        self._states: dict[int, tuple[int, frozenset[Local]]] = {}

    def clear(self) -> None:
        self._states.clear()

    def record(self, step: int, text: str, overrides: tuple[PronunciationOverride, ...]) -> None:
        """What the overrides are now, at undo position ``step`` with ``text``."""
        self._states[step] = (hash(text), _locals(overrides))

    def lost(self, step: int, text: str, overrides: tuple[PronunciationOverride, ...]) -> list[Local]:
        """Local overrides this state had that ``overrides`` lacks and whose characters are still
        there, in order; empty when the state is new or its text differs."""
        state = self._states.get(step)
        if state is None or state[0] != hash(text):
            return []
        have = {(t, off) for t, _r, off in _locals(overrides)}
        back = [
            (t, r, off)
            for t, r, off in sorted(state[1], key=lambda x: (x[2], x[0]))
            if (t, off) not in have and text[off : off + len(t)] == t
        ]
        if back:
            log.debug("undo position %d: %d local override(s) come back", step, len(back))
        return back
