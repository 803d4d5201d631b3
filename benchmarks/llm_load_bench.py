"""Load-time fusion, the bf16 weight cache and the output head, measured on one checkpoint.

    python benchmarks/llm_load_bench.py                 # medium: real widths, 4 layers, full vocab
    python benchmarks/llm_load_bench.py --layers 28     # the full-size LLM (6.2 GB fp32 on disk)

1. Decode tokens/s of the fused model (Q/K/V and gate/up as one matrix, what ``load_llm`` builds)
   against the unfused one, in the same process, alternating A/B rounds; greedy tokens compared.
2. Cold load: fp32 from the shards, bf16 from the shards (first start: builds the cache) and bf16
   from the verified cache (later starts): seconds and bytes read (``/proc/self/io``). The files
   are dropped from the page cache before each load (``posix_fadvise DONTNEED``), so "cold" means
   read from the disk, as after a reboot.
3. The output head: one full-vocabulary head GEMV against one over the speech tokens only
   (the restricted head of issue 8), and their share of a decode step.

Random weights (std 0.02); the numbers are costs, not quality. Writes the checkpoint to a
temporary folder (or ``--dir``) and removes it afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import torch

from glmtts_desktop.engine.llm import (
    LlmConfig,
    SpeechLM,
    generate_speech_tokens,
    load_llm,
    save_llm,
    weight_cache,
)

# the official layout: 32 768 audio tokens from id 61 498, eoa = <|user|> (spec §3)
SPECIAL = SimpleNamespace(eoa=59253, boa=59260, ats=61498, n_audio_tokens=32768)


def io_read_bytes() -> tuple[int, int]:
    """(bytes asked for by read calls, bytes that came from the storage) so far, this process."""
    fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(fields["rchar"]), int(fields["read_bytes"])


def drop_from_page_cache(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def timed_load(llm_dir: Path, dtype: torch.dtype, **kwargs) -> tuple[SpeechLM, float, int, int]:
    drop_from_page_cache(llm_dir)
    r0, b0 = io_read_bytes()
    t = time.perf_counter()
    model = load_llm(llm_dir, device=torch.device("cpu"), dtype=dtype, **kwargs)
    seconds = time.perf_counter() - t
    r1, b1 = io_read_bytes()
    return model, seconds, r1 - r0, b1 - b0


def decode_rate(model: SpeechLM, ids: list[int], n: int) -> tuple[float, list[int]]:
    """Tokens/s of ``n`` greedy steps after the prefill (the prefill is not timed)."""
    times: list[float] = []
    last = [time.perf_counter()]

    def on_step(_done: int, _max: int) -> None:
        now = time.perf_counter()
        times.append(now - last[0])
        last[0] = now

    out = generate_speech_tokens(
        model,
        ids,
        text_len=n,
        special=SPECIAL,
        method="greedy",
        generator=torch.Generator(),
        min_ratio=1.0,
        max_ratio=1.0,
        on_step=on_step,
    )
    steps = times[1:]  # the first interval includes the prefill
    return len(steps) / sum(steps), out.ids


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--tiny", action="store_true", help="the tiny test widths instead (launch-bound)")
    ap.add_argument("--tokens", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--dir", type=Path)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    base = LlmConfig.tiny(98304) if args.tiny else LlmConfig.full()
    cfg = dataclasses.replace(base, num_hidden_layers=args.layers)
    root = args.dir or Path(tempfile.mkdtemp(prefix="glmtts-loadbench-"))
    llm_dir = root / "llm"
    os.environ.setdefault(weight_cache.ENV_CACHE_DIR, str(root / "user-cache"))
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); {args.layers} layers, full widths"
    )
    try:
        if not (llm_dir / "config.json").is_file():
            t = time.perf_counter()
            model = SpeechLM(cfg)
            model.init_weights(torch.Generator().manual_seed(0))
            save_llm(model, llm_dir)
            del model
            print(f"wrote {llm_dir} in {time.perf_counter() - t:.1f} s")
        shard_bytes = sum(p.stat().st_size for p in llm_dir.glob("*.safetensors"))
        print(f"shards: {shard_bytes / 1e9:.2f} GB")

        # 2. cold loads
        shutil.rmtree(llm_dir / weight_cache.CACHE_DIRNAME, ignore_errors=True)
        rows = []
        fused32, s, r, b = timed_load(llm_dir, torch.float32)
        rows.append(("fp32 from the shards", s, r, b))
        m, s, r, b = timed_load(llm_dir, torch.bfloat16)
        rows.append(("bf16 from the shards + cache build", s, r, b))
        del m
        m, s, r, b = timed_load(llm_dir, torch.bfloat16)
        rows.append(("bf16 from the verified cache", s, r, b))
        del m
        print("\n| load (cold page cache) | seconds | bytes read (rchar) | from storage |")
        print("|---|---|---|---|")
        for name, s, r, b in rows:
            print(f"| {name} | {s:.2f} | {r / 1e9:.2f} GB | {b / 1e9:.2f} GB |")

        # 1. fused vs unfused decode
        plain32 = load_llm(llm_dir, device=torch.device("cpu"), dtype=torch.float32, fuse=False)
        ids = [11, 12, 13, 14, 15, SPECIAL.boa] + [SPECIAL.ats + i for i in range(150)]
        rates: dict[str, list[float]] = {"unfused": [], "fused": []}
        tokens: dict[str, list[int]] = {}
        with torch.inference_mode():
            decode_rate(fused32, ids, 3)  # warm-up
            decode_rate(plain32, ids, 3)
            for _ in range(args.rounds):
                for name, model in (("unfused", plain32), ("fused", fused32)):
                    rate, tokens[name] = decode_rate(model, ids, args.tokens)
                    rates[name].append(rate)
        best = {k: max(v) for k, v in rates.items()}
        median = {k: statistics.median(v) for k, v in rates.items()}
        print("\n| fp32 decode, greedy | tokens/s, median | best | all rounds (alternating) |")
        print("|---|---|---|---|")
        for name in ("unfused", "fused"):
            all_rounds = ", ".join(f"{x:.2f}" for x in rates[name])
            print(f"| {name} | {median[name]:.2f} | {best[name]:.2f} | {all_rounds} |")
        print(
            f"fused / unfused: median {median['fused'] / median['unfused']:.2f}x, best "
            f"{best['fused'] / best['unfused']:.2f}x; greedy tokens identical: "
            f"{tokens['fused'] == tokens['unfused']} ({len(tokens['fused'])} tokens)"
        )

        # 3. the output head
        with torch.inference_mode():
            h = torch.randn(1, cfg.hidden_size)
            w = fused32.model.embed_tokens.weight
            speech = w[SPECIAL.ats : SPECIAL.ats + SPECIAL.n_audio_tokens + 1]  # + a stop row
            for _ in range(3):
                torch.nn.functional.linear(h, w)
                torch.nn.functional.linear(h, speech)
            reps = 20
            t = time.perf_counter()
            for _ in range(reps):
                torch.nn.functional.linear(h, w)
            full = (time.perf_counter() - t) / reps
            t = time.perf_counter()
            for _ in range(reps):
                torch.nn.functional.linear(h, speech)
            part = (time.perf_counter() - t) / reps
        step = 1.0 / best["fused"]
        print(
            f"\nhead GEMV: full vocab ({w.shape[0]} rows) {full * 1e3:.1f} ms, speech rows only "
            f"({speech.shape[0]}) {part * 1e3:.1f} ms; decode step {step * 1e3:.1f} ms "
            f"({args.layers} layers): the restricted head would save {100 * (full - part) / step:.1f} % "
            f"of a step here, {100 * (full - part) / (step + (28 - args.layers) * (step - full) / args.layers):.1f} % "
            "projected to 28 layers"
        )
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
