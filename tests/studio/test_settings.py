"""GenerationSettings: engine defaults, validation, JSON both ways, old history dicts."""

from __future__ import annotations

import pytest

from glmtts_desktop.engine.types import (
    SAMPLE_RATES,
    SAMPLING_METHODS,
    PronunciationOverride,
    SynthesisRequest,
)
from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.studio import GenerationSettings, overrides_from_json, overrides_to_json


def test_defaults_are_the_engines_defaults():
    s = GenerationSettings()
    req = SynthesisRequest(text="x", voice=None)  # type: ignore[arg-type]
    assert s.sample_rate == SAMPLE_RATES[0] and s.method == SAMPLING_METHODS[0]
    assert (s.seed, s.use_phoneme, s.use_prompt_cache, s.flow_steps) == (
        req.seed,
        req.use_phoneme,
        req.use_prompt_cache,
        req.flow_steps,
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"sample_rate": 22050},
        {"method": "beam"},
        {"seed": -1},
        {"seed": 2**63},
        {"seed": True},
        {"flow_steps": 0},
        {"use_phoneme": "yes"},
    ],
)
def test_invalid_settings_are_refused_with_a_sentence(bad):
    with pytest.raises(InvalidInputError) as info:
        GenerationSettings(**bad)
    assert info.value.user_text() and "Traceback" not in info.value.user_text()


def test_json_round_trip_keeps_every_field():
    s = GenerationSettings(sample_rate=32000, method="topk", seed=2**63 - 1, use_phoneme=True, flow_steps=12)
    assert GenerationSettings.from_json(s.to_json()) == s
    assert GenerationSettings.from_dict(s.to_dict()) == s


def test_reads_an_older_history_dict_with_extra_keys():
    old = {
        "method": "greedy",
        "use_phoneme": False,
        "use_prompt_cache": False,
        "sample_rate": 32000,
        "seed": 5,
        "overrides": [],
        "segments": ["a"],
        "transcript": "t",
    }
    s = GenerationSettings.from_dict(old)
    assert (s.method, s.use_prompt_cache, s.sample_rate, s.seed, s.flow_steps) == (
        "greedy",
        False,
        32000,
        5,
        10,
    )


def test_request_carries_every_setting():
    s = GenerationSettings(
        sample_rate=24000, method="greedy", seed=9, use_phoneme=True, use_prompt_cache=False, flow_steps=7
    )
    ov = (PronunciationOverride("行", "<|X|><|ING2|>", (3,)),)
    r = s.request("text", "voice", ov)  # type: ignore[arg-type]
    assert (
        r.text,
        r.voice,
        r.seed,
        r.method,
        r.use_phoneme,
        r.use_prompt_cache,
        r.flow_steps,
        r.overrides,
    ) == ("text", "voice", 9, "greedy", True, False, 7, ov)


def test_overrides_json_round_trip_and_old_list_form():
    ov = (PronunciationOverride("行", "<|X|><|ING2|>", (3, 9)), PronunciationOverride("a", "b", None))
    assert overrides_from_json(overrides_to_json(ov)) == ov
    assert overrides_from_json([["行", "x", [1]], ["a", "b", None]]) == (
        PronunciationOverride("行", "x", (1,)),
        PronunciationOverride("a", "b", None),
    )
    with pytest.raises(InvalidInputError):
        overrides_from_json([{"text": 1}])
