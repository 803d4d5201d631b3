"""int8 vs fp32 decode on the CPU at the real layer sizes, with fewer layers (light on memory).

    OMP_NUM_THREADS=2 python benchmarks/cpu_int8_bench.py [--layers 4] [--steps 24]

A decode step reads every weight once, so its time is (layers x per-layer bytes + head bytes) /
bandwidth; the real model has 28 layers of the same shape. This builds ``LlmConfig.full()`` with
``--layers`` layers (random weights, std 0.02), times decode steps directly (no prefill in the
figure), projects to 28 layers from the per-layer and head costs, and reports teacher-forced
top-1 agreement of int8 with fp32 on the same token sequence.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from glmtts_desktop.engine.llm import LlmConfig, SpeechLM  # noqa: E402
from glmtts_desktop.engine.llm.quantize import quantize_int8  # noqa: E402


def step_ms(model: SpeechLM, prompt: torch.Tensor, tokens: torch.Tensor) -> tuple[float, torch.Tensor]:
    """Mean decode-step time (ms) feeding ``tokens``; and the argmax at every step."""
    with torch.inference_mode():
        model.reset_cache(prompt.shape[1] + tokens.shape[1] + 1)
        out = [model.prefill(prompt)[0].argmax()]
        model.decode_step(tokens[:, :1])  # first step outside the timing (allocations)
        t = time.perf_counter()
        for j in range(1, tokens.shape[1]):
            out.append(model.decode_step(tokens[:, j : j + 1])[0].argmax())
        ms = (time.perf_counter() - t) / (tokens.shape[1] - 1) * 1e3
    return ms, torch.stack(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, default=5)
    ap.add_argument("--steps", type=int, default=24)
    args = ap.parse_args()
    cfg = dataclasses.replace(LlmConfig.full(), num_hidden_layers=args.layers)
    model = SpeechLM(cfg)
    model.init_weights(torch.Generator().manual_seed(0), std=0.02)
    gen = torch.Generator().manual_seed(1)
    prompt = torch.randint(0, cfg.vocab_size, (1, 64), generator=gen)
    tokens = torch.randint(0, cfg.vocab_size, (1, args.steps), generator=gen)
    fp32_ms, fp32_arg = step_ms(model, prompt, tokens)
    q8 = quantize_int8(copy.deepcopy(model))
    int8_ms, int8_arg = step_ms(q8, prompt, tokens)
    # per-layer cost from a one-layer model of the same shapes: t(L) = head + L x layer
    one = SpeechLM(dataclasses.replace(cfg, num_hidden_layers=1))
    one.init_weights(torch.Generator().manual_seed(0), std=0.02)
    one_fp32, _ = step_ms(one, prompt, tokens)
    one_int8, _ = step_ms(quantize_int8(one), prompt, tokens)
    proj = {}
    for name, ms, ms1 in (("fp32", fp32_ms, one_fp32), ("int8", int8_ms, one_int8)):
        layer = (ms - ms1) / (args.layers - 1)
        proj[name] = ms1 - layer + 28 * layer
    agree = float((fp32_arg == int8_arg).float().mean())
    print(f"threads {torch.get_num_threads()} | layers {args.layers} | steps {args.steps}")
    print("| measure | fp32 | int8 | ratio |\n|---|---|---|---|")
    print(
        f"| decode step, {args.layers} layers + head | {fp32_ms:.1f} ms | {int8_ms:.1f} ms | {fp32_ms / int8_ms:.2f}x |"
    )
    print(
        f"| decode step, 1 layer + head | {one_fp32:.1f} ms | {one_int8:.1f} ms | {one_fp32 / one_int8:.2f}x |"
    )
    print(
        f"| projected to 28 layers | {proj['fp32']:.0f} ms ({1e3 / proj['fp32']:.2f} tok/s) | "
        f"{proj['int8']:.0f} ms ({1e3 / proj['int8']:.2f} tok/s) | {proj['fp32'] / proj['int8']:.2f}x |"
    )
    print(f"| teacher-forced top-1 agreement int8 vs fp32 | - | {agree:.1%} | over {args.steps} steps |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
