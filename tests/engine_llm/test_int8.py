"""The int8 CPU mode: really int8, close to fp32, and its cache path agrees with its full pass."""

from __future__ import annotations

import copy

import pytest
import torch
from torch.ao.nn.quantized.dynamic import Linear as DynamicInt8Linear

from glmtts_desktop.engine.config import resolve_dtype
from glmtts_desktop.engine.errors import DeviceError
from glmtts_desktop.engine.llm import LlmConfig, SpeechLM, generate_speech_tokens
from glmtts_desktop.engine.llm.quantize import quantize_int8

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def moderate() -> SpeechLM:
    """Weights of std 0.1: peaked enough for greedy tokens to mean something, tame enough for
    int8 (with std 1.0 activations explode and no 8-bit scale fits them)."""
    model = SpeechLM(LlmConfig.tiny(300))
    model.init_weights(torch.Generator().manual_seed(3), std=0.1)
    return model


def _cos(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.nn.functional.cosine_similarity(a, b, dim=-1).min())


def test_int8_model_is_quantised_and_close_to_fp32(moderate):
    q8 = quantize_int8(copy.deepcopy(moderate))
    quantised = [m for m in q8.modules() if isinstance(m, DynamicInt8Linear)]
    plain = [m for m in q8.modules() if type(m) is torch.nn.Linear]
    assert len(quantised) == 7 * moderate.config.num_hidden_layers + 1 and not plain  # the head too
    ids = torch.randint(0, 300, (1, 30), generator=torch.Generator().manual_seed(8))
    a, b = moderate.forward_full(ids)[0], q8.forward_full(ids)[0]
    assert _cos(a, b) > 0.98 and not torch.equal(a, b)


def test_int8_decode_steps_agree_with_its_full_pass(moderate):
    q8 = quantize_int8(copy.deepcopy(moderate))
    ids = torch.randint(0, 300, (1, 30), generator=torch.Generator().manual_seed(9))
    q8.reset_cache(40)
    got = [q8.prefill(ids[:, :20])[0]] + [q8.decode_step(ids[:, j : j + 1])[0] for j in range(20, 30)]
    # activations are quantised per call (one token vs the whole prompt), so close, not equal
    assert _cos(torch.stack(got), q8.forward_full(ids)[0, 19:]) > 0.98


def test_int8_generation_gives_valid_tokens(moderate, special):
    ids = list(range(7, 30)) + [special.boa] + [special.ats + i for i in (3, 9, 27, 81)]
    out = generate_speech_tokens(
        quantize_int8(copy.deepcopy(moderate)),
        ids,
        text_len=4,
        special=special,
        method="ras",
        generator=torch.Generator().manual_seed(0),
    )
    assert len(out.ids) >= 8 and all(0 <= i < special.n_audio_tokens for i in out.ids)


def test_int8_is_refused_on_a_gpu_device():
    with pytest.raises(DeviceError):
        resolve_dtype("int8", torch.device("cuda"))
    assert resolve_dtype("int8", CPU) == torch.float32
