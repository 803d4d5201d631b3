"""Engine speed, side by side with an official-style inference loop, in one process.

    python benchmarks/engine_bench.py                       # tiny random checkpoint on this machine
    python benchmarks/engine_bench.py --size full --device cuda   # full-size random weights on a GPU
    python benchmarks/engine_bench.py --ckpt /path/to/GLM-TTS     # real weights

"Official-style" is what the reference inference does for the LLM: transformers'
LlamaForCausalLM in fp32, a DynamicCache, one Python step per token with the full-vocabulary
log-softmax and the RAS sampler's sort done on the logits. Ours is the engine as the app runs it
(bf16 on CUDA, preallocated KV cache). Both decode the same number of tokens from the same
prompt; the table gives tokens/s, real-time factors (seconds of compute per second of audio,
25 speech tokens = 1 s) and peak memory, and the ratio ours/official.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import gc
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from glmtts_desktop.engine import Engine, EngineConfig  # noqa: E402
from glmtts_desktop.engine.devckpt import make_checkpoint  # noqa: E402

TOKENS_PER_SECOND = 25.0


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def reset_peak(device: torch.device) -> None:
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def official_style_decode(
    llm_dir: Path, input_ids: list[int], n_tokens: int, device: torch.device, ats: int, n_audio: int
):
    """HF Llama, fp32, DynamicCache, one step per token, sampling on the host (RAS-style top-p/top-k)."""
    from transformers import DynamicCache, LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(str(llm_dir), dtype=torch.float32).to(device).eval()
    gen = torch.Generator().manual_seed(0)
    ids = torch.tensor([input_ids], device=device)
    with torch.inference_mode():
        sync(device)
        t0 = time.perf_counter()
        cache = DynamicCache()
        out = model(input_ids=ids, past_key_values=cache, use_cache=True)
        sync(device)
        t_prefill = time.perf_counter() - t0
        logits = out.logits[:, -1]
        t1 = time.perf_counter()
        for _ in range(n_tokens):
            logp = torch.log_softmax(logits.float(), dim=-1).cpu()  # host sync every step, as the reference
            probs = logp.exp()[0]
            sorted_p, order = probs.sort(descending=True, stable=True)
            keep = int(min(25, max(1, int((sorted_p.cumsum(0) < 0.8).sum()) + 1)))
            choice = order[torch.multinomial(sorted_p[:keep], 1, generator=gen)]
            token = int(ats + int(choice) % n_audio)  # stay in the audio range: random weights
            out = model(
                input_ids=torch.tensor([[token]], device=device),
                past_key_values=out.past_key_values,
                use_cache=True,
            )
            logits = out.logits[:, -1]
        sync(device)
        t_decode = time.perf_counter() - t1
    del model
    return t_prefill, t_decode


def official_style_flow(engine: Engine, ids, prompt_speech, prompt_mel, emb) -> float:
    """The official flow loop: fp32 module, conditional and unconditional passes run one after
    the other (our implementation with ``batched_cfg=False`` is bit-identical to it)."""
    flow = engine.flow
    if flow.dtype != torch.float32:
        flow = copy.deepcopy(flow).float()
    dev = engine.device
    args = (
        torch.tensor([prompt_speech], device=dev),
        torch.tensor([ids], device=dev),
        torch.tensor(prompt_mel, device=dev)[None],
        torch.tensor(emb, device=dev)[None],
    )
    gen = torch.Generator(device=dev).manual_seed(0)
    flow.synthesize(
        *(a[:, :10] if i < 2 else a for i, a in enumerate(args)), generator=gen, batched_cfg=False
    )
    sync(dev)
    t = time.perf_counter()
    flow.synthesize(*args, generator=gen, batched_cfg=False)
    sync(dev)
    return time.perf_counter() - t


def our_decode(engine: Engine, input_ids: list[int], n_tokens: int):
    """The engine's LLM loop, forced to run exactly n_tokens (min = max length)."""
    from glmtts_desktop.engine.llm import generate_speech_tokens

    special = engine.tokenizer.special
    text_len = max(1, n_tokens)
    gen = torch.Generator(device=engine.device).manual_seed(0)
    with torch.inference_mode():
        # prefill alone
        sync(engine.device)
        t0 = time.perf_counter()
        engine.llm.reset_cache(len(input_ids) + n_tokens + 1)
        engine.llm.prefill(torch.tensor([input_ids], device=engine.device))
        sync(engine.device)
        t_prefill = time.perf_counter() - t0
        t1 = time.perf_counter()
        out = generate_speech_tokens(
            engine.llm,
            input_ids,
            text_len=text_len,
            special=special,
            method="ras",
            generator=gen,
            min_ratio=1.0,
            max_ratio=1.0,
        )
        sync(engine.device)
        t_total = time.perf_counter() - t1
    assert len(out.ids) == n_tokens, (len(out.ids), n_tokens)
    return t_prefill, t_total - t_prefill, out.ids


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", type=Path, help="checkpoint folder (default: build a random one)")
    ap.add_argument("--size", choices=("tiny", "full"), default="tiny")
    ap.add_argument("--device", default="auto")
    ap.add_argument(
        "--tokens", type=int, default=0, help="speech tokens to decode (default 250 on GPU, 100 on CPU)"
    )
    ap.add_argument("--prompt-tokens", type=int, default=150, help="prompt speech tokens (6 s of reference)")
    ap.add_argument("--skip-official", action="store_true")
    args = ap.parse_args()

    tmp = None
    ckpt = args.ckpt
    if ckpt is None:
        tmp = tempfile.TemporaryDirectory(prefix="glmtts-bench-")
        t = time.perf_counter()
        ckpt = make_checkpoint(Path(tmp.name) / f"ckpt-{args.size}", size=args.size, seed=0)
        print(f"built a {args.size} random checkpoint in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    engine = Engine.load(EngineConfig(ckpt, device=args.device))
    load_s = time.perf_counter() - t
    device = engine.device
    n_tokens = args.tokens or (250 if device.type == "cuda" else 100)
    special = engine.tokenizer.special
    n_audio = engine.tokenizer.n_audio_tokens
    rng = np.random.default_rng(0)
    prompt_text = engine.tokenize("今天天气很好，我们一起去公园散步吧。")
    text = engine.tokenize(
        "Speech synthesis benchmark sentence with a reasonable length, spoken at a natural pace."
    )
    prompt_speech = rng.integers(0, n_audio, args.prompt_tokens).tolist()
    from glmtts_desktop.engine.llm import build_input_ids

    input_ids = build_input_ids(prompt_text, text, prompt_speech, special)
    audio_s = n_tokens / TOKENS_PER_SECOND
    rows = []

    # warm-up (kernels, allocator) so neither side pays first-call costs
    our_decode(engine, input_ids, min(8, n_tokens))
    reset_peak(device)
    ours_prefill, ours_decode, ids = our_decode(engine, input_ids, n_tokens)
    ours_llm_mem = peak_memory_mb(device)

    off = None
    if not args.skip_official:
        held = engine._loaded()  # the models holder; swapping our LLM out is a benchmark-only hack
        engine_llm = held.llm
        held.llm = None  # free our copy so memory numbers are the official loop's own
        gc.collect()
        if device.type == "cuda":
            torch.cuda.empty_cache()
        reset_peak(device)
        official_style_decode(engine.layout.llm_dir, input_ids, 4, device, special.ats, n_audio)  # warm-up
        reset_peak(device)
        off = official_style_decode(engine.layout.llm_dir, input_ids, n_tokens, device, special.ats, n_audio)
        off_mem = peak_memory_mb(device)
        held.llm = engine_llm

    def row(stage, ours, official=None, unit="s"):
        ratio = f"{official / ours:.2f}x" if official and ours else "-"
        rows.append((stage, f"{ours:.4g} {unit}", f"{official:.4g} {unit}" if official else "-", ratio))

    row("LLM prefill", ours_prefill, off[0] if off else None)
    row("LLM decode", ours_decode, off[1] if off else None)
    ours_tps = n_tokens / ours_decode
    rows.append(
        (
            "LLM tokens/s",
            f"{ours_tps:.1f}",
            f"{n_tokens / off[1]:.1f}" if off else "-",
            f"{ours_tps / (n_tokens / off[1]):.2f}x" if off else "-",
        )
    )
    rows.append(
        (
            "LLM RTF",
            f"{(ours_prefill + ours_decode) / audio_s:.3f}",
            f"{(off[0] + off[1]) / audio_s:.3f}" if off else "-",
            "-",
        )
    )
    rows.append(("LLM peak memory", f"{ours_llm_mem:.0f} MB", f"{off_mem:.0f} MB" if off else "-", "-"))

    # flow + vocoder on the same tokens (ours only: the official flow loop is the same math)
    prompt_mel = rng.standard_normal((2 * args.prompt_tokens, 80)).astype(np.float32)
    emb = rng.standard_normal(192).astype(np.float32)
    engine.tokens_to_mel(ids[:10], prompt_speech[:10], prompt_mel[:20], emb)  # warm-up
    reset_peak(device)
    sync(device)
    t = time.perf_counter()
    mel = engine.tokens_to_mel(ids, prompt_speech, prompt_mel, emb)
    sync(device)
    flow_s = time.perf_counter() - t
    engine.vocode(mel[:, :10])
    sync(device)
    t = time.perf_counter()
    wav = engine.vocode(mel)
    sync(device)
    voc_s = time.perf_counter() - t
    off_flow_s = official_style_flow(engine, ids, prompt_speech, prompt_mel, emb)
    rows.append(
        (
            "flow RTF (10 steps, CFG)",
            f"{flow_s / audio_s:.3f}",
            f"{off_flow_s / audio_s:.3f}",
            f"{off_flow_s / flow_s:.2f}x",
        )
    )
    rows.append(("vocoder RTF", f"{voc_s / (len(wav) / engine.sample_rate):.4f}", "-", "-"))
    total = ours_prefill + ours_decode + flow_s + voc_s
    rows.append(("end-to-end RTF (ours)", f"{total / audio_s:.3f}", "-", "-"))
    rows.append(("engine load", f"{load_s:.2f} s", "-", "-"))

    dev_name = engine.device_name
    print()
    print(
        f"date {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC | device {dev_name} | dtype {engine.dtype} | "
        f"checkpoint {ckpt.name} | torch {torch.__version__} | {platform.processor() or platform.machine()} | "
        f"{n_tokens} tokens = {audio_s:.1f} s of audio, prompt {len(input_ids)} ids"
    )
    widths = [
        max(len(r[i]) for r in rows + [("stage", "ours", "official-style", "speed-up")]) for i in range(4)
    ]
    header = ("stage", "ours", "official-style", "speed-up")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths)))
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
