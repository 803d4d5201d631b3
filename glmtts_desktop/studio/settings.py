"""``GenerationSettings``: the one options object every front end builds and history keeps.

Why one type: the CLI, batch, the GUI worker and "Again" used to rebuild the engine request
each in their own way, and the copies drifted (the GUI's "Again" dropped the sample rate).
Everything a generation's audio depends on, apart from the voice, the text and the
pronunciation overrides, lives here; it is frozen, validated on construction, and saved in
the library as JSON so an entry can be reproduced years later.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from glmtts_desktop.engine.seeds import MAX_SEED, MIN_SEED
from glmtts_desktop.engine.types import (
    SAMPLE_RATES,
    SAMPLING_METHODS,
    PronunciationOverride,
    SynthesisRequest,
    VoicePrompt,
)
from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import tr

SETTINGS_FORMAT = 1
FLOW_STEPS_RANGE = (1, 100)


@dataclass(frozen=True)
class GenerationSettings:
    """How to speak (not what, nor whose voice). Defaults are the engine's defaults."""

    sample_rate: int = SAMPLE_RATES[0]
    method: str = SAMPLING_METHODS[0]
    seed: int = 0
    use_phoneme: bool = False
    use_prompt_cache: bool = True
    flow_steps: int = 10

    def __post_init__(self) -> None:
        if self.sample_rate not in SAMPLE_RATES:
            raise InvalidInputError(
                tr("Sample rate {sample_rate} is not supported.", sample_rate=self.sample_rate),
                hint=tr("GLM-TTS speaks at {rates} Hz.", rates=" / ".join(str(r) for r in SAMPLE_RATES)),
            )
        if self.method not in SAMPLING_METHODS:
            raise InvalidInputError(
                tr("Unknown sampling method '{method}'.", method=self.method),
                hint=tr("Use one of: {choices}.", choices=", ".join(SAMPLING_METHODS)),
            )
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not MIN_SEED <= self.seed <= MAX_SEED
        ):
            raise InvalidInputError(
                tr("The seed must be a whole number from {low} to {high}.", low=MIN_SEED, high=MAX_SEED)
            )
        lo, hi = FLOW_STEPS_RANGE
        if isinstance(self.flow_steps, bool) or not isinstance(self.flow_steps, int):
            raise InvalidInputError(tr("The number of flow steps must be a whole number."))
        if not lo <= self.flow_steps <= hi:
            raise InvalidInputError(
                tr("The number of flow steps must be between {lo} and {hi}.", lo=lo, hi=hi)
            )
        for name in ("use_phoneme", "use_prompt_cache"):
            if not isinstance(getattr(self, name), bool):
                raise InvalidInputError(tr("The setting '{name}' must be true or false.", name=name))

    # -- variations ------------------------------------------------------------------------------
    def with_seed(self, seed: int) -> GenerationSettings:
        return replace(self, seed=int(seed))

    def with_(self, **changes: Any) -> GenerationSettings:
        """A copy with ``changes`` applied (validated like a new object)."""
        return replace(self, **changes)

    # -- JSON ------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"format": SETTINGS_FORMAT, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GenerationSettings:
        """Read settings saved by any version: unknown keys are ignored (history entries carry
        more than settings), missing keys take today's defaults."""
        if not isinstance(data, Mapping):
            raise InvalidInputError(tr("The saved settings are not a JSON object."))
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        if "seed" in values and values["seed"] is None:
            values.pop("seed")
        return cls(**values)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> GenerationSettings:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidInputError(tr("The saved settings are not valid JSON."), detail=str(exc)) from exc
        return cls.from_dict(data)

    # -- the engine's request --------------------------------------------------------------------
    def request(
        self, text: str, voice: VoicePrompt, overrides: Iterable[PronunciationOverride] = ()
    ) -> SynthesisRequest:
        """The only place a ``SynthesisRequest`` is built from settings."""
        return SynthesisRequest(
            text=text,
            voice=voice,
            seed=self.seed,
            method=self.method,
            use_phoneme=self.use_phoneme,
            overrides=tuple(overrides),
            use_prompt_cache=self.use_prompt_cache,
            flow_steps=self.flow_steps,
        )


def overrides_to_json(items: Iterable[PronunciationOverride]) -> list[dict[str, Any]]:
    """Overrides as plain JSON (the library's and the sidecar's format)."""
    return [
        {
            "text": o.text,
            "replacement": o.replacement,
            "occurrences": None if o.occurrences is None else list(o.occurrences),
        }
        for o in items
    ]


def overrides_from_json(items: Iterable[Any]) -> tuple[PronunciationOverride, ...]:
    """Reads the dict form and the older ``[text, replacement, occurrences]`` lists."""
    out = []
    for item in items or ():
        if isinstance(item, Mapping):
            text, repl, occ = item.get("text"), item.get("replacement"), item.get("occurrences")
        elif isinstance(item, (list, tuple)) and len(item) == 3:
            text, repl, occ = item
        else:
            raise InvalidInputError(tr("A saved pronunciation override cannot be read."), detail=repr(item))
        if not isinstance(text, str) or not isinstance(repl, str):
            raise InvalidInputError(tr("A saved pronunciation override cannot be read."), detail=repr(item))
        out.append(PronunciationOverride(text, repl, None if occ is None else tuple(int(i) for i in occ)))
    return tuple(out)
