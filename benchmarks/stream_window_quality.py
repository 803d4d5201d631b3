"""Streamed vs whole-segment rendering with the released flow and HiFT sizes (random weights).

    python benchmarks/stream_window_quality.py --prompt-tokens 50 --tokens 80

The tiny development flow barely mixes information across frames, so on it a window and the
whole rendering agree almost trivially; this run uses the real DiT (18 layers, 768 wide) and the
real HiFT, with a tiny LLM (the tokens are random ids, fed one by one as the LLM would). It
prints the streamed-vs-whole log-mel distance outside the crossfades, the same distance
between two seeds for scale, and the join steps. Slow on a CPU (minutes: the full flow runs
every window and the whole segment twice).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from speed_report import streamed_vs_offline, synthetic_voice  # noqa: E402

from glmtts_desktop.engine import Engine, EngineConfig  # noqa: E402
from glmtts_desktop.engine.devckpt import make_checkpoint  # noqa: E402
from glmtts_desktop.engine.flow import write_random_flow  # noqa: E402
from glmtts_desktop.engine.text import TextTokenizer  # noqa: E402
from glmtts_desktop.engine.vocoder import write_random_hift  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prompt-tokens", type=int, default=50)
    ap.add_argument("--tokens", type=int, default=80)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="glmtts-streamq-") as tmp:
        ckpt = make_checkpoint(Path(tmp) / "ckpt", size="tiny", seed=0)
        n_audio = TextTokenizer.from_dir(ckpt / "vq32k-phoneme-tokenizer").n_audio_tokens
        write_random_flow(ckpt / "flow", size="full", vocab_size=n_audio, seed=1)
        write_random_hift(ckpt / "hift", size="full", seed=2)
        engine = Engine.load(EngineConfig(ckpt, device="cpu"))
        rng = np.random.default_rng(0)
        voice = synthetic_voice(engine, args.prompt_tokens, rng)
        tokens = [int(t) for t in rng.integers(0, engine.tokenizer.n_audio_tokens, args.tokens)]
        t = time.perf_counter()
        result = streamed_vs_offline(engine, voice, tokens)
        result["wall_s"] = round(time.perf_counter() - t, 1)
    print(json.dumps(result, indent=1))
    return 0 if result["same_length"] and result["max_border_jump"] <= result["own_max_jump"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
