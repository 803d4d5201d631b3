"""The faster CPU mode: the LLM's matrices as int8 (dynamic quantisation), everything else fp32.

Why: on a CPU a decode step reads every LLM weight once, so its speed is memory bandwidth;
int8 weights are a quarter of the fp32 bytes (bf16 gains nothing on CPUs without AVX512-BF16/AMX,
measured). ``torch.ao`` dynamic quantisation keeps one int8 copy of each ``nn.Linear`` weight
with a scale per output channel and quantises the activations per call; the tied output head
(the embedding matrix, a quarter of all bytes) gets its own int8 copy, while the embedding lookup
stays exact. Quality is not traded silently: token agreement with fp32 is measured by
``benchmarks/engine_bench.py --int8`` and written down in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import logging
import warnings
from typing import cast

import torch
from torch import nn

from glmtts_desktop.engine.llm.model import SpeechLM

log = logging.getLogger(__name__)


def _quantize_dynamic(module: nn.Module) -> nn.Module:
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return quantize_dynamic(
            module, {nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=True
        )


def quantize_int8(model: SpeechLM) -> SpeechLM:
    """Quantise ``model`` (fp32, on the CPU) in place and return it; decode then runs int8 GEMVs."""
    if model.device.type != "cpu" or model.dtype != torch.float32:
        raise ValueError("int8 mode needs the fp32 model on the CPU")
    _quantize_dynamic(model.model.layers)
    weight = model.lm_head.weight if model.lm_head is not None else model.model.embed_tokens.weight
    head = nn.Linear(weight.shape[1], weight.shape[0], bias=False)
    with torch.no_grad():
        head.weight.copy_(weight)
    model.quantized_head = cast(nn.Sequential, _quantize_dynamic(nn.Sequential(head)))[0]
    if model.lm_head is not None:
        model.lm_head = None  # the quantised copy replaces it (the embedding is separate then)
    log.info("LLM quantised to int8 (dynamic, per-channel) for the CPU")
    return model
