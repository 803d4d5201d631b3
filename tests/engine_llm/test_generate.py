"""The generation loop: stop rules, bounds, cancel, determinism, input layout."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
import torch

from glmtts_desktop.engine.errors import SynthesisCancelled, TextInputError
from glmtts_desktop.engine.llm import LlmConfig, build_input_ids, generate_speech_tokens, load_llm
from glmtts_desktop.engine.types import CancelToken

CPU = torch.device("cpu")


class ScriptedLM:
    """Stands in for SpeechLM: returns fixed logits and records how it was driven."""

    def __init__(self, logits: torch.Tensor, max_positions: int = 2048) -> None:
        self.config = dataclasses.replace(
            LlmConfig.tiny(logits.shape[-1]), max_position_embeddings=max_positions
        )
        self.device = CPU
        self.logits = logits.view(1, -1)
        self.fed: list[int] = []
        self.capacity = 0

    def reset_cache(self, n: int) -> None:
        self.capacity = n

    def prefill(self, ids: torch.Tensor) -> torch.Tensor:
        self.prompt = ids.tolist()[0]
        return self.logits.clone()

    def decode_step(self, token: torch.Tensor) -> torch.Tensor:
        assert token.shape == (1, 1)
        self.fed.append(int(token))
        assert len(self.prompt) + len(self.fed) <= self.capacity
        return self.logits.clone()


def _eoa_loving(special, bias: float) -> torch.Tensor:
    logits = torch.zeros(300)
    logits[special.eoa] = bias
    return logits


@pytest.mark.parametrize("method", ["ras", "topk", "greedy"])
def test_stops_at_min_len_when_eoa_dominates(special, method):
    lm = ScriptedLM(_eoa_loving(special, 30.0))
    out = generate_speech_tokens(
        lm,
        [7, 8, 9, 6],
        text_len=3,
        special=special,
        method=method,
        generator=torch.Generator().manual_seed(0),
    )
    assert len(out.ids) == 6  # int(3 * 2): eoa banned before, then taken at once and not appended
    assert not out.hit_max_length
    assert all(0 <= i < special.n_audio_tokens for i in out.ids)
    assert out.n_prefill == 4
    assert lm.fed == [i + special.ats for i in out.ids]  # every appended token was fed back


@pytest.mark.parametrize("method", ["ras", "topk"])
def test_runs_to_max_len_without_eoa(special, method):
    lm = ScriptedLM(_eoa_loving(special, -30.0))
    steps: list[tuple[int, int]] = []
    out = generate_speech_tokens(
        lm,
        [7, 8, 6],
        text_len=2,
        special=special,
        method=method,
        generator=torch.Generator().manual_seed(0),
        min_ratio=1,
        max_ratio=7.5,
        on_step=lambda done, total: steps.append((done, total)),
    )
    assert len(out.ids) == 15 and out.hit_max_length
    assert steps == [(i, 15) for i in range(1, 16)]
    assert len(lm.fed) == 14  # the last sampled token is never fed
    assert all(0 <= i < special.n_audio_tokens for i in out.ids)


def test_context_limit_caps_max_len(special):
    lm = ScriptedLM(_eoa_loving(special, -30.0), max_positions=50)
    out = generate_speech_tokens(
        lm, list(range(7, 37)), text_len=5, special=special, generator=torch.Generator()
    )
    assert len(out.ids) == 20 and out.hit_max_length  # 50 positions - 30 prompt
    with pytest.raises(TextInputError):
        generate_speech_tokens(lm, [7] * 50, text_len=5, special=special, generator=torch.Generator())


def test_bad_arguments(special):
    lm = ScriptedLM(_eoa_loving(special, 0.0))
    with pytest.raises(TextInputError):
        generate_speech_tokens(lm, [7, 6], text_len=0, special=special, generator=torch.Generator())
    with pytest.raises(ValueError):
        generate_speech_tokens(
            lm, [7, 6], text_len=1, special=special, method="beam", generator=torch.Generator()
        )
    with pytest.raises(ValueError):
        generate_speech_tokens(lm, [7, 300], text_len=1, special=special, generator=torch.Generator())


def test_cancel_stops_generation(special):
    lm = ScriptedLM(_eoa_loving(special, -30.0))
    token = CancelToken()

    def on_step(done, total):
        if done == 3:
            token.cancel()

    with pytest.raises(SynthesisCancelled):
        generate_speech_tokens(
            lm,
            [7, 6],
            text_len=10,
            special=special,
            generator=torch.Generator(),
            cancel=token,
            on_step=on_step,
        )
    assert len(lm.fed) == 3  # stopped at the next step, not at max_len (200)


def test_cancel_before_start(special):
    lm = ScriptedLM(_eoa_loving(special, 0.0))
    token = CancelToken()
    token.cancel()
    with pytest.raises(SynthesisCancelled):
        generate_speech_tokens(
            lm, [7, 6], text_len=2, special=special, generator=torch.Generator(), cancel=token
        )
    assert not hasattr(lm, "prompt")


@pytest.mark.parametrize("method", ["ras", "topk"])
def test_real_model_is_deterministic_per_seed_and_in_range(lively_dir, special, method):
    model = load_llm(lively_dir, device=CPU, dtype=torch.float32)
    ids = build_input_ids(list(range(7, 15)), list(range(15, 19)), [1, 2, 3, 200, 249], special)

    def run(seed):
        return generate_speech_tokens(
            model,
            ids,
            text_len=4,
            special=special,
            method=method,
            generator=torch.Generator().manual_seed(seed),
        ).ids

    a, b, c = run(0), run(0), run(1)
    assert a == b
    assert a != c
    assert all(0 <= i < special.n_audio_tokens for i in a + c)


def test_build_input_ids(special):
    ids = build_input_ids([7, 8], [9, 10, 11], [0, 5, 249], special)
    assert ids == [7, 8, 9, 10, 11, special.boa, special.ats, special.ats + 5, special.ats + 249]
    # deliberate deviation: speech codes stay audio tokens even without a transcript
    assert build_input_ids([], [9], [0, 5], special) == [9, special.boa, special.ats, special.ats + 5]
    assert build_input_ids([7], [9], [], special) == [7, 9, special.boa]


def test_special_needs_only_plain_attributes():
    lm = ScriptedLM(torch.zeros(300))
    sp = SimpleNamespace(ats=40, eoa=5, n_audio_tokens=250)
    out = generate_speech_tokens(lm, [7, 6], text_len=1, special=sp, generator=torch.Generator(), max_ratio=3)
    assert len(out.ids) <= 3
