"""Speed and quality report of the engine, on CPU or CUDA, for benchmarks/RESULTS.md.

    python benchmarks/speed_report.py --device cpu --size tiny              # a quick run anywhere
    python benchmarks/speed_report.py --device cpu --size full --stages llm --int8 --tokens 8
    python benchmarks/speed_report.py --device cuda --size full             # what gpu_check.sh runs

What it measures, all in one process on the same inputs (random weights: real shapes and bytes):
- decode tokens/s of ours (the app's loop: device sampler, static step, CUDA graphs on CUDA) and
  of a faithful official-style loop (HF Llama fp32, DynamicCache, full-vocabulary log-softmax,
  the official RAS with its Python nucleus walk over device scalars: one host sync per walked
  candidate, the repetition check's ``.item()``, the token's ``.item()`` and H2D copy);
- bytes read per decode token and the fraction of the device's measured copy bandwidth;
- flow / vocoder / end-to-end real-time factors, streaming against offline in the same run
  (cost ratio, time to first audio, whether every piece arrives before playback reaches it and
  the worst margin, the start delay the player's jitter buffer would choose on those arrivals; on CUDA also with the render inline instead of on the second stream), the
  streamed-vs-offline log-mel distance (overall and outside the crossfades) and the join steps;
- quality of every fast mode against fp32: teacher-forced top-1 agreement and free-running greedy
  agreement of the LLM (bf16 on CUDA, int8 on CPU with ``--int8``), flow log-mel distance bf16 vs
  fp32 on the same tokens and noise, CUDA-graph vs eager greedy tokens (must be identical);
- fused vs unfused Q/K/V and gate/up matrices (fp32 logits), the verified bf16 weight cache
  (built, then reused with the same weights), the idle release (KV cache freed, next job equal);
- peak memory (torch peak and driver-reported on CUDA, process RSS on CPU), cold start (a fresh
  process: imports + load), and which attention kernel each phase uses.
Exit status 1 if a correctness check fails (graphs vs eager tokens differ, fused vs unfused logits
differ, the bf16 cache is not built or not equal, the idle release changes tokens, non-finite audio).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import gc
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from glmtts_desktop.audio.stream_buffer import chosen_start_delay, expected_speech_seconds  # noqa: E402
from glmtts_desktop.engine import Engine, EngineConfig, SynthesisRequest, VoicePrompt  # noqa: E402
from glmtts_desktop.engine.devckpt import make_checkpoint  # noqa: E402
from glmtts_desktop.engine.frontend import prompt_mel as log_mel  # noqa: E402
from glmtts_desktop.engine.llm import build_input_ids, generate_speech_tokens  # noqa: E402

TOKENS_PER_SECOND = 25.0
TEXT = "Speech synthesis benchmark sentence with a reasonable length, spoken at a natural pace."
rows: list[tuple[str, str, str]] = []
failures: list[str] = []


def row(name: str, value: str, note: str = "") -> None:
    rows.append((name, value, note))
    print(f"  {name}: {value} {note}", flush=True)


def sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def copy_bandwidth(dev: torch.device) -> float:
    """Bytes/s of a large device-to-device copy (read + write counted), the decode ceiling."""
    n = (1 << 28) if dev.type == "cuda" else (1 << 26)  # 1 GiB / 256 MiB of fp32
    a = torch.empty(n, device=dev)
    b = torch.empty_like(a)
    b.copy_(a)
    sync(dev)
    reps = 10 if dev.type == "cuda" else 3
    t = time.perf_counter()
    for _ in range(reps):
        b.copy_(a)
    sync(dev)
    bw = 2 * a.numel() * 4 * reps / (time.perf_counter() - t)
    del a, b
    return bw


def llm_bytes_per_token(llm) -> int:
    """Weights read by one decode step: every matrix once, the tied head once, no embedding table."""
    total = 0
    for name, p in llm.named_parameters():
        if name.endswith("embed_tokens.weight"):
            continue
        total += p.numel() * p.element_size()
    emb = llm.model.embed_tokens.weight
    total += emb.numel() * emb.element_size()  # the tied head reads the whole matrix
    return total


def synthetic_voice(engine: Engine, n_prompt: int, rng) -> VoicePrompt:
    n_audio = engine.tokenizer.n_audio_tokens
    return VoicePrompt(
        transcript="今天天气很好，我们一起去公园散步吧。",
        normalized_transcript="今天天气很好，我们一起去公园散步吧。",
        prompt_text_ids=np.asarray(engine.tokenize("今天天气很好，我们一起去公园散步吧。 "), np.int64),
        speech_ids=rng.integers(0, n_audio, n_prompt).astype(np.int64),
        mel=rng.standard_normal((2 * n_prompt, 80)).astype(np.float32) - 5.0,
        embedding=rng.standard_normal(192).astype(np.float32),
        sample_rate=engine.sample_rate,
        duration_s=n_prompt / TOKENS_PER_SECOND,
    )


def forced_decode(engine: Engine, llm, input_ids, n_tokens: int, method: str = "ras"):
    """Our loop forced to exactly n_tokens; returns (prefill s, decode s, ids).

    Decode time is measured inside the loop, from the first generated token to the last, so a
    slow or noisy prefill cannot leak into it; prefill is timed alone."""
    special = engine.tokenizer.special
    dev = llm.device
    stamps: list[float] = []

    def on_step(_done: int, _max: int) -> None:
        sync(dev)
        stamps.append(time.perf_counter())

    with torch.inference_mode():
        sync(dev)
        t0 = time.perf_counter()
        llm.reset_cache(len(input_ids) + n_tokens + 1)
        llm.prefill(torch.tensor([input_ids], device=dev))
        sync(dev)
        t_prefill = time.perf_counter() - t0
        out = generate_speech_tokens(
            llm,
            input_ids,
            text_len=n_tokens,
            special=special,
            method=method,
            generator=torch.Generator(device=dev).manual_seed(0),
            min_ratio=1.0,
            max_ratio=1.0,
            on_step=on_step,
        )
    per_token = (stamps[-1] - stamps[0]) / max(len(stamps) - 1, 1)
    return t_prefill, max(per_token * n_tokens, 1e-9), list(out.ids)


def official_style_decode(llm_dir: Path, input_ids, n_tokens: int, dev: torch.device, ats: int, n_audio: int):
    """The official loop's shape and host syncs (llm/glmtts.py inference + cosyvoice ras_sampling)."""
    from transformers import DynamicCache, LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(str(llm_dir), dtype=torch.float32).to(dev).eval()
    torch.manual_seed(0)
    decoded: list[int] = []
    with torch.inference_mode():
        sync(dev)
        t0 = time.perf_counter()
        out = model(
            input_ids=torch.tensor([input_ids], device=dev),
            past_key_values=DynamicCache(),
            use_cache=True,
            output_hidden_states=True,
        )
        sync(dev)
        t_prefill = time.perf_counter() - t0
        t1 = time.perf_counter()
        for _ in range(n_tokens):
            logp = out.logits[:, -1].log_softmax(dim=-1)[0]
            prob = logp.softmax(dim=0)
            values, order = prob.sort(descending=True, stable=True)
            kept, ids, cum = [], [], 0.0
            for i in range(len(order)):  # the official Python walk: one sync per comparison
                if cum < 0.8 and len(kept) < 25:
                    cum += values[i]
                    kept.append(values[i])
                    ids.append(order[i])
                else:
                    break
            kept_t = torch.tensor(kept).to(logp)
            ids_t = torch.tensor(ids, dtype=torch.long).to(dev)
            top = ids_t[kept_t.multinomial(1, replacement=True)]
            rep = (torch.tensor(decoded[-10:]).to(dev) == top).sum().item()
            if rep >= 1:
                top = prob.multinomial(1, replacement=True)
            tid = int(top.item())
            tid = ats + tid % n_audio  # random weights: keep the loop on audio ids
            decoded.append(tid)
            out = model(
                input_ids=torch.tensor([[tid]]).to(dev),
                past_key_values=out.past_key_values,
                use_cache=True,
                output_hidden_states=True,
            )
        sync(dev)
        t_decode = time.perf_counter() - t1
    del model
    gc.collect()
    return t_prefill, t_decode


def forced_argmax(model, input_ids, tokens, special) -> torch.Tensor:
    """The model's best audio id at every step when fed ``tokens`` (teacher forcing)."""
    valid = torch.zeros(model.config.vocab_size, dtype=torch.bool)
    valid[special.ats : special.ats + special.n_audio_tokens] = True
    dev = model.device
    with torch.inference_mode():
        model.reset_cache(len(input_ids) + len(tokens) + 1)
        logits = [model.prefill(torch.tensor([input_ids], device=dev))[0].float().cpu()]
        for t in tokens[:-1]:
            logits.append(model.decode_step(torch.tensor([[t + special.ats]], device=dev))[0].float().cpu())
    return torch.stack(logits).masked_fill(~valid, float("-inf")).argmax(-1)


def teacher_forced_agreement(ref, other, input_ids, tokens, special) -> float:
    """Share of steps where both models' best audio id is the same, fed the same (ref's) tokens."""
    a = forced_argmax(ref, input_ids, tokens, special)
    b = forced_argmax(other, input_ids, tokens, special)
    return float((a == b).float().mean())


def free_greedy_agreement(a: list[int], b: list[int]) -> tuple[int, float]:
    """(identical prefix length, share of equal positions) of two greedy runs."""
    n = min(len(a), len(b))
    prefix = next((i for i in range(n) if a[i] != b[i]), n)
    return prefix, sum(x == y for x, y in zip(a, b)) / max(n, 1)


def mel_distance(a: np.ndarray, b: np.ndarray, sr: int, skip: list[tuple[int, int]] | None = None) -> float:
    """Mean absolute log-mel difference (nats) between two waveforms of the same length; frames
    overlapping a ``skip`` sample range are left out."""
    ma, mb = log_mel(a.astype(np.float32), sr), log_mel(b.astype(np.float32), sr)
    n = min(len(ma), len(mb))
    keep = np.ones(n, bool)
    hop = sr // 50
    for s, e in skip or []:
        keep[max(0, s // hop - 1) : min(n, e // hop + 2)] = False
    return float(np.abs(ma[:n][keep] - mb[:n][keep]).mean()) if keep.any() else float("nan")


def cold_start(ckpt: Path, device: str) -> float:
    code = (
        "import time,sys; t=time.perf_counter(); sys.path.insert(0, sys.argv[1]);"
        "from glmtts_desktop.engine import Engine, EngineConfig;"
        "Engine.load(EngineConfig(sys.argv[2], device=sys.argv[3])); print(time.perf_counter()-t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), str(ckpt), device],
        capture_output=True,
        text=True,
        timeout=900,
    )
    try:
        return float(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print(out.stderr[-2000:])
        return float("nan")


def load_checks(engine: Engine, input_ids: list[int], n_q: int) -> None:
    """Issue 8's load-time work on the engine's device: fused vs unfused matrices (fp32), the
    verified bf16 weight cache (built, then reused: same weights) and the idle release (KV cache
    freed, the next job's greedy tokens unchanged)."""
    from glmtts_desktop.engine.llm import load_llm
    from glmtts_desktop.engine.llm import weight_cache as wc

    dev, special, llm_dir = engine.device, engine.tokenizer.special, engine.layout.llm_dir
    print("fused vs unfused, bf16 cache, idle release...", flush=True)
    fused = load_llm(llm_dir, device=dev, dtype=torch.float32)
    plain = load_llm(llm_dir, device=dev, dtype=torch.float32, fuse=False)
    ids_t = torch.tensor([input_ids], device=dev)
    a, b = plain.forward_full(ids_t), fused.forward_full(ids_t)
    rel = float((a - b).abs().max() / a.abs().max())
    del a, b
    _, _, p_ids = forced_decode(engine, plain, input_ids, n_q, method="greedy")
    _, _, f_ids = forced_decode(engine, fused, input_ids, n_q, method="greedy")
    prefix, _share = free_greedy_agreement(p_ids, f_ids)
    tf = teacher_forced_agreement(plain, fused, input_ids, p_ids, special)
    row(
        "fused vs unfused QKV + gate/up (fp32): max logit diff / max logit",
        f"{rel:.1e}",
        f"greedy prefix {prefix}/{n_q}; teacher-forced top-1 {tf:.1%}",
    )
    if rel > 1e-4:
        failures.append("fused and unfused logits differ")
    if dev.type == "cpu" and p_ids != f_ids:
        failures.append("fused and unfused greedy tokens differ on the CPU")
    del fused, plain
    gc.collect()
    if dev.type == "cuda":
        torch.cuda.empty_cache()

    cache = llm_dir / wc.CACHE_DIRNAME / wc.CACHE_NAME
    (llm_dir / wc.CACHE_DIRNAME / wc.MANIFEST_NAME).unlink(missing_ok=True)  # build it afresh
    t = time.perf_counter()
    first = load_llm(llm_dir, device=dev, dtype=torch.bfloat16)
    sync(dev)
    t_build = time.perf_counter() - t
    t = time.perf_counter()
    second = load_llm(llm_dir, device=dev, dtype=torch.bfloat16)
    sync(dev)
    t_reuse = time.perf_counter() - t
    a_w, b_w = first.checkpoint_tensors(), second.checkpoint_tensors()
    same = a_w.keys() == b_w.keys() and all(torch.equal(a_w[k], b_w[k]) for k in a_w)
    shards = sum(p.stat().st_size for p in llm_dir.glob("*.safetensors"))
    row(
        "bf16 weight cache: load from shards + build / load from cache",
        f"{t_build:.2f} / {t_reuse:.2f} s",
        f"cache {cache.stat().st_size / 1e6 if cache.is_file() else 0:.1f} MB vs shards {shards / 1e6:.1f} MB; "
        f"same weights: {same} (page cache warm)",
    )
    if not cache.is_file() or not same:
        failures.append("the bf16 weight cache was not built or gave other weights")
    del first, second, a_w, b_w
    gc.collect()

    _, _, g1 = forced_decode(engine, engine.llm, input_ids, n_q, method="greedy")
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
        before = torch.cuda.memory_allocated(dev)
    engine.release_idle_memory(deep=True)
    freed = engine.llm.allocated_positions == 0
    note = ""
    if dev.type == "cuda":
        free, total = torch.cuda.mem_get_info(dev)
        note = (
            f"torch allocated {before / 2**30:.2f} -> {torch.cuda.memory_allocated(dev) / 2**30:.2f} GiB, "
            f"driver in use {(total - free) / 2**30:.2f} GiB; "
        )
    _, _, g2 = forced_decode(engine, engine.llm, input_ids, n_q, method="greedy")
    row(
        "idle release (deep)",
        "KV cache freed" if freed else "KV CACHE KEPT",
        note + f"next job's greedy tokens {'identical' if g1 == g2 else 'DIFFERENT'}",
    )
    if not freed or g1 != g2:
        failures.append("the idle release kept the KV cache or changed the next job's tokens")


def stream_once(engine: Engine, voice: VoicePrompt, text: str, seed: int):
    """One streamed request; also when each piece arrived (s after the call)."""
    pieces: list[np.ndarray] = []
    arrivals: list[float] = []
    t = time.perf_counter()

    def on_chunk(audio: np.ndarray, _n: int) -> None:
        arrivals.append(time.perf_counter() - t)
        pieces.append(audio)

    res = engine.synthesize(SynthesisRequest(text=text, voice=voice, seed=seed), on_chunk=on_chunk)
    return time.perf_counter() - t, res, pieces, arrivals


def playback_margin(pieces: list[np.ndarray], arrivals: list[float], sr: int) -> float:
    """Worst margin (s) by which a piece arrived before playback reached it, playback starting
    when the first piece arrived and running without a pause; negative means a gap."""
    played = 0.0
    worst = float("inf")
    for piece, arrived in zip(pieces, arrivals):
        worst = min(worst, arrivals[0] + played - arrived)
        played += len(piece) / sr
    return worst if pieces[1:] else 0.0


def streamed_vs_offline(engine: Engine, voice: VoicePrompt, tokens: list[int]):
    """Feed tokens one by one to a segment stream; compare what was streamed with the whole
    segment rendered in one window with the same noise (the offline rendering)."""
    delivered: list[np.ndarray] = []
    timings = {"text": 0.0, "llm": 0.0, "flow": 0.0, "vocoder": 0.0}
    stream = engine._segment_stream(
        voice, SynthesisRequest(text="x", voice=voice), delivered.append, timings, None
    )
    try:
        for i in range(1, len(tokens) + 1):
            stream.on_tokens(tokens[:i])
        streamed = stream.finish(tokens)
    finally:
        stream.close()
    offline = stream.render_reference(tokens)
    other = engine._segment_stream(
        voice, SynthesisRequest(text="x", voice=voice, seed=1), lambda a: None, timings, None
    )
    other_wav = other.render_reference(tokens)
    other.close()
    borders = np.cumsum([len(p) for p in delivered])[:-1]
    jumps = [abs(float(streamed[b] - streamed[b - 1])) for b in borders]
    own = float(np.abs(np.diff(offline)).max())
    return {
        "chunks": len(delivered),
        "max_border_jump": max(jumps) if jumps else 0.0,
        "own_max_jump": own,
        "mel_all": mel_distance(streamed, offline, engine.sample_rate),
        "mel_outside_fades": mel_distance(streamed, offline, engine.sample_rate, stream.fades),
        "same_length": len(streamed) == len(offline),
        "mel_other_seed": mel_distance(other_wav, offline, engine.sample_rate),
        "flow_windows": [e - s for stage, s, e in stream.windows if stage == "flow"],
        "frames": len(stream.mel),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", type=Path)
    ap.add_argument("--size", choices=("tiny", "full"), default="tiny")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--tokens", type=int, default=0, help="decode length (default 300 CUDA, 100 CPU)")
    ap.add_argument("--prompt-tokens", type=int, default=150)
    ap.add_argument("--stages", default="all", choices=("all", "llm"), help="llm: decode comparisons only")
    ap.add_argument("--int8", action="store_true", help="also measure the CPU int8 mode against fp32")
    ap.add_argument("--skip-official", action="store_true")
    ap.add_argument("--json", type=Path, help="write the figures here too")
    args = ap.parse_args()

    tmp = None
    ckpt = args.ckpt
    if ckpt is None:
        tmp = tempfile.TemporaryDirectory(prefix="glmtts-speed-")
        t = time.perf_counter()
        ckpt = make_checkpoint(Path(tmp.name) / f"ckpt-{args.size}", size=args.size, seed=0)
        print(f"built a {args.size} random checkpoint in {time.perf_counter() - t:.1f} s", flush=True)
    dev_name = "cuda" if args.device == "auto" and torch.cuda.is_available() else args.device
    if dev_name == "auto":
        dev_name = "cpu"

    print("cold start (fresh process: imports + load, saved voices)...", flush=True)
    row("cold start", f"{cold_start(ckpt, dev_name):.2f} s", "launch -> ready, no speech tokenizer")
    if dev_name.startswith("cuda"):  # the first bf16 start above built the weight cache
        row("cold start, second", f"{cold_start(ckpt, dev_name):.2f} s", "reads the verified bf16 cache")
    t = time.perf_counter()
    engine = Engine.load(EngineConfig(ckpt, device=dev_name))
    row("engine load (in process)", f"{time.perf_counter() - t:.2f} s")
    dev = engine.device
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
    special = engine.tokenizer.special
    n_tokens = args.tokens or (300 if dev.type == "cuda" else 100)
    rng = np.random.default_rng(0)
    voice = synthetic_voice(engine, args.prompt_tokens, rng)
    input_ids = build_input_ids(
        list(voice.prompt_text_ids), engine.tokenize(TEXT), list(voice.speech_ids), special
    )
    info = {
        "device": engine.device_name,
        "dtype": str(engine.dtype),
        "tokens": n_tokens,
        "prompt_ids": len(input_ids),
    }

    # --- LLM decode ----------------------------------------------------------------------------
    print("LLM decode (ours)...", flush=True)
    forced_decode(engine, engine.llm, input_ids, min(16, n_tokens))  # warm-up, graph capture
    pre, dec, ids = forced_decode(engine, engine.llm, input_ids, n_tokens)
    tps = n_tokens / dec
    bpt = llm_bytes_per_token(engine.llm)
    bw = copy_bandwidth(dev)
    row("LLM prefill", f"{pre * 1e3:.1f} ms", f"{len(input_ids)} ids")
    row("LLM decode tokens/s (ours)", f"{tps:.2f}", f"{1e3 / tps:.2f} ms/token")
    row("bytes per decode token", f"{bpt / 1e9:.3f} GB")
    row("measured copy bandwidth", f"{bw / 1e9:.1f} GB/s")
    row("fraction of bandwidth limit", f"{tps * bpt / bw:.1%}", f"limit {bw / bpt:.0f} tok/s")
    row("LLM RTF (ours)", f"{(pre + dec) / (n_tokens / TOKENS_PER_SECOND):.4f}")
    attention = "prefill: SDPA is_causal+GQA; decode: grouped matmul over a span bucket"
    if engine.llm.graphs is not None:
        attention += f"; CUDA graphs {'OFF (capture failed)' if engine.llm.graphs.failed else 'on, spans ' + str(engine.llm.graphs.spans)}"
    row("attention kernels", attention)
    if not args.skip_official:
        print("LLM decode (official-style loop)...", flush=True)
        n_off = min(n_tokens, 100)
        official_style_decode(engine.layout.llm_dir, input_ids, 3, dev, special.ats, special.n_audio_tokens)
        o_pre, o_dec = official_style_decode(
            engine.layout.llm_dir, input_ids, n_off, dev, special.ats, special.n_audio_tokens
        )
        row(
            "LLM decode tokens/s (official-style)",
            f"{n_off / o_dec:.1f}",
            f"ours is {tps / (n_off / o_dec):.2f}x",
        )
        row("LLM prefill (official-style)", f"{o_pre * 1e3:.1f} ms")

    # --- graphs vs eager, fast modes vs fp32 ---------------------------------------------------
    n_q = min(n_tokens, 64)
    if dev.type == "cuda":
        print("CUDA graphs vs eager, bf16 vs fp32...", flush=True)
        _, _, g_ids = forced_decode(engine, engine.llm, input_ids, n_q, method="greedy")
        graphs = engine.llm.graphs
        engine.llm.graphs = None
        _, e_dec, e_ids = forced_decode(engine, engine.llm, input_ids, n_q, method="greedy")
        engine.llm.graphs = graphs
        same = g_ids == e_ids
        row(
            "greedy tokens, graphs vs eager",
            "identical" if same else "DIFFERENT",
            f"{n_q} tokens; eager {n_q / e_dec:.1f} tok/s",
        )
        if not same:
            failures.append("CUDA-graph and eager greedy tokens differ")
        fp32 = copy.deepcopy(engine.llm).float()
        fp32.graphs = None
        _, _, f_ids = forced_decode(engine, fp32, input_ids, n_q, method="greedy")
        prefix, share = free_greedy_agreement(f_ids, g_ids)
        tf = teacher_forced_agreement(fp32, engine.llm, input_ids, f_ids, special)
        row(
            "bf16 vs fp32 LLM: teacher-forced top-1 agreement",
            f"{tf:.1%}",
            f"free greedy: prefix {prefix}/{n_q}, {share:.0%} equal",
        )
        del fp32
        gc.collect()
        torch.cuda.empty_cache()
    load_checks(engine, input_ids, n_q)
    if args.stages == "all":
        # --- flow, vocoder, end to end, streaming -------------------------------------------------
        print("flow / vocoder / end to end / streaming...", flush=True)
        audio_s = len(ids) / TOKENS_PER_SECOND
        engine.tokens_to_mel(ids[:10], voice.speech_ids[:10], voice.mel[:20], voice.embedding)
        sync(dev)
        t = time.perf_counter()
        mel = engine.tokens_to_mel(ids, voice.speech_ids, voice.mel, voice.embedding, seed=1)
        sync(dev)
        flow_s = time.perf_counter() - t
        engine.vocode(mel[:, :10])
        sync(dev)
        t = time.perf_counter()
        wav = engine.vocode(mel)
        sync(dev)
        voc_s = time.perf_counter() - t
        row("flow RTF (10 steps, CFG)", f"{flow_s / audio_s:.4f}")
        row("vocoder RTF", f"{voc_s / audio_s:.4f}")
        if not np.isfinite(wav).all():
            failures.append("non-finite audio from the vocoder")
        if dev.type == "cuda" and engine.flow.dtype != torch.float32:
            flow_fp32 = copy.deepcopy(engine.flow).float()
            flow_bf16 = engine.flow
            noise = (
                np.random.default_rng(1)
                .standard_normal((2 * (len(ids) + len(voice.speech_ids)), 80))
                .astype(np.float32)
            )
            from glmtts_desktop.engine.flow import flow_frames

            noise = noise[: flow_frames(len(ids) + len(voice.speech_ids))]
            m_b = engine.tokens_to_mel(ids, voice.speech_ids, voice.mel, voice.embedding, noise=noise)
            engine._loaded().flow = flow_fp32
            m_f = engine.tokens_to_mel(ids, voice.speech_ids, voice.mel, voice.embedding, noise=noise)
            engine._loaded().flow = flow_bf16
            row(
                "bf16 vs fp32 flow: mean abs mel diff",
                f"{float(np.abs(m_b - m_f).mean()):.4f}",
                f"mel std {float(m_f.std()):.3f}",
            )
            del flow_fp32
        tt = np.arange(48000) / 16000
        ref = (0.2 * np.sin(2 * np.pi * 140 * tt) * np.clip(np.sin(2 * np.pi * 3 * tt), 0, None)).astype(
            np.float32
        )
        engine.prepare_voice(ref[:40000], 16000, "hello")  # warm-up (loads the models)
        t = time.perf_counter()
        engine.prepare_voice(ref, 16000, "Hello there, this is my voice.")
        row(
            "prepare a new voice (3 s reference)",
            f"{(time.perf_counter() - t) * 1e3:.0f} ms",
            "speech tokenizer + speaker model + mel",
        )
        resident = engine.speech_tokenizer is not None or engine.speaker_encoder is not None
        row(
            "speech tokenizer + speaker model resident after the analysis",
            "yes" if resident else "no",
            "freed at once on a GPU, at the idle release on a CPU",
        )
        if dev.type == "cuda" and resident:
            failures.append("the speech tokenizer stayed on the GPU after a voice analysis")
        stream_once(engine, voice, "Warm up.", 0)
        # streaming and offline alternated, best of two each: a shared machine's load changes
        # by tens of percent between two runs, which a single pair would report as a ratio
        streamed_runs, offline_runs = [], []
        for _ in range(2):
            streamed_runs.append(stream_once(engine, voice, TEXT, 0))
            t = time.perf_counter()
            res_off = engine.synthesize(SynthesisRequest(text=TEXT, voice=voice, seed=0))
            offline_runs.append((time.perf_counter() - t, res_off))
        wall, res, pieces, arrivals = min(streamed_runs, key=lambda r: r[0])
        stream_rtf = wall / res.duration_s
        row(
            "end-to-end RTF, streaming (warm, saved voice)",
            f"{stream_rtf:.4f}",
            f"{res.duration_s:.1f} s of audio, {len(pieces)} chunks, best of 2"
            + (", render overlapped on a 2nd CUDA stream" if dev.type == "cuda" else ""),
        )
        row("time to first audio (streaming)", f"{res.timings['first_audio'] * 1e3:.0f} ms")
        margin = playback_margin(pieces, arrivals, res.sample_rate)
        row(
            "stream keeps ahead of playback",
            "yes" if margin >= 0 else "no",
            f"worst margin {margin * 1e3:+.0f} ms (a piece's arrival vs when playback reaches it)"
            + ("" if margin >= 0 else f"; gap-free if playback waited {-margin * 1e3:.0f} ms more"),
        )
        # the player's jitter buffer on this run's arrivals: how long it would wait, and whether
        # playback then keeps ahead (told the true length, or the text's rough estimate)
        schedule = [(a, len(p) / res.sample_rate) for a, p in zip(arrivals, pieces)]
        for how, expected in (
            ("told the true length", res.duration_s),
            ("text's estimate", expected_speech_seconds(TEXT)),
        ):
            delay = chosen_start_delay(schedule, expected)
            after = playback_margin(
                pieces, [arrivals[0]] + [a - delay for a in arrivals[1:]], res.sample_rate
            )
            row(
                f"start delay chosen by the buffer ({how})",
                f"{delay * 1e3:.0f} ms",
                f"expected {expected:.1f} s; then "
                + (
                    "gap-free"
                    if after >= -1e-9
                    else f"runs dry by up to {-after * 1e3:.0f} ms (the player pauses)"
                ),
            )
        off_wall, res_off = min(offline_runs, key=lambda r: r[0])
        off_rtf = off_wall / res_off.duration_s
        row(
            "end-to-end RTF, offline (warm, saved voice)",
            f"{off_rtf:.4f}",
            f"first audio = whole job, {res_off.duration_s:.1f} s, best of 2",
        )
        split = "LLM / flow / vocoder s: streaming {} vs offline {}".format(
            *(" / ".join(f"{r.timings[k]:.1f}" for k in ("llm", "flow", "vocoder")) for r in (res, res_off))
        )
        row("streaming cost / offline cost", f"{stream_rtf / off_rtf:.2f}x", f"target <= 1.3x; {split}")
        if dev.type == "cuda":
            engine.stream_overlap = False
            wall_in, res_in, _, _ = stream_once(engine, voice, TEXT, 0)
            engine.stream_overlap = None
            if len(res_in.audio) != len(res.audio) or not np.isfinite(res.audio).all():
                failures.append("overlapped and inline streaming differ in length, or non-finite audio")
            row(
                "streaming RTF with the render inline (no 2nd stream)",
                f"{wall_in / res_in.duration_s:.4f}",
                f"the 2nd stream saves {1 - stream_rtf / (wall_in / res_in.duration_s):.0%}",
            )
        sv = streamed_vs_offline(engine, voice, (ids * 8)[: max(60, min(8 * len(ids), 600))])
        row("streamed vs offline: mean abs log-mel diff overall", f"{sv['mel_all']:.4f}")
        row(
            "streamed vs offline: mean abs log-mel diff outside fades",
            f"{sv['mel_outside_fades']:.4f}",
            f"{sv['chunks']} chunks",
        )
        row("offline vs offline with another noise seed (scale)", f"{sv['mel_other_seed']:.4f}")
        row(
            "largest sample jump at a join / the signal's own",
            f"{sv['max_border_jump']:.4f} / {sv['own_max_jump']:.4f}",
            "same length" if sv["same_length"] else "LENGTH DIFFERS",
        )
        row(
            "speech frames per flow window",
            f"{min(sv['flow_windows'])}-{max(sv['flow_windows'])}",
            f"+ the prompt's {voice.mel.shape[0]} in each; the segment has {sv['frames']}",
        )
        if not sv["same_length"] or sv["max_border_jump"] > sv["own_max_jump"]:
            failures.append("streaming joins or length are wrong")

    if args.int8 and dev.type == "cpu":
        # last, because it quantises the engine's own LLM in place (no second full-size copy)
        print("int8 vs fp32...", flush=True)
        from glmtts_desktop.engine.llm.quantize import quantize_int8

        _, _, f_ids = forced_decode(engine, engine.llm, input_ids, n_q, method="greedy")
        f_arg = forced_argmax(engine.llm, input_ids, f_ids, special)
        quantize_int8(engine.llm)
        gc.collect()
        forced_decode(engine, engine.llm, input_ids, min(4, n_tokens))
        _, q_dec, _ = forced_decode(engine, engine.llm, input_ids, n_tokens)
        row("LLM decode tokens/s (int8)", f"{n_tokens / q_dec:.2f}", f"{dec / q_dec:.2f}x fp32")
        _, _, q_ids = forced_decode(engine, engine.llm, input_ids, n_q, method="greedy")
        prefix, share = free_greedy_agreement(f_ids, q_ids)
        tf = float((forced_argmax(engine.llm, input_ids, f_ids, special) == f_arg).float().mean())
        row(
            "int8 vs fp32 LLM: teacher-forced top-1 agreement",
            f"{tf:.1%}",
            f"free greedy: prefix {prefix}/{n_q}, {share:.0%} equal",
        )

    if dev.type == "cuda":
        free, total = torch.cuda.mem_get_info(dev)
        row(
            "GPU memory peak (torch allocated / reserved)",
            f"{torch.cuda.max_memory_allocated(dev) / 2**30:.2f} / {torch.cuda.max_memory_reserved(dev) / 2**30:.2f} GiB",
        )
        row("GPU memory in use now (driver)", f"{(total - free) / 2**30:.2f} GiB")
    row("process peak RSS", f"{rss_mb() / 1024:.2f} GB")

    stamp = f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"
    print()
    print(
        f"{stamp} | {engine.device_name} | {engine.dtype} | {args.size} | torch {torch.__version__} | {platform.processor() or platform.machine()} | {n_tokens} tokens, prompt {len(input_ids)} ids"
    )
    print("| measure | value | note |\n|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")
    if args.json:
        args.json.write_text(
            json.dumps({"info": info, "date": stamp, "rows": rows, "failures": failures}, indent=1)
        )
    if failures:
        print("FAILED:", "; ".join(failures))
    if tmp is not None:
        tmp.cleanup()
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
