"""A complete GLM-TTS checkpoint folder with random weights, for machines without the real ones.

Every file the engine reads is written in the official layout by the component that reads it,
so loading a generated folder exercises exactly the code that loads the published weights.
``tiny`` is a few MB and loads in about a second (tests); ``full`` uses the real configurations
(benchmarks: same shapes, same FLOPs, same memory). The audio it speaks is noise, and a marker
file says so (the CLI and the GUI warn when they see it).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path

from glmtts_desktop import __version__
from glmtts_desktop.engine.checkpoint import GENERATED_MARKER
from glmtts_desktop.errors import InvalidInputError

log = logging.getLogger(__name__)

SIZES = ("tiny", "full")
FULL_LLM_VOCAB = 98304
FULL_FLOW_VOCAB = 100000


def make_checkpoint(dst: Path, *, size: str = "tiny", seed: int = 0, overwrite: bool = False) -> Path:
    """Write the folder at ``dst`` (built beside it, then renamed, so a crash leaves no half folder)."""
    from glmtts_desktop.engine.flow import write_random_flow
    from glmtts_desktop.engine.frontend import write_random_campplus, write_random_speech_tokenizer
    from glmtts_desktop.engine.llm import write_random_llm
    from glmtts_desktop.engine.text import TextTokenizer, write_tokenizer_files
    from glmtts_desktop.engine.vocoder import write_random_hift, write_random_vocos

    if size not in SIZES:
        raise InvalidInputError(f"Unknown checkpoint size '{size}'.", hint="Use tiny or full.")
    dst = Path(dst).expanduser()
    if dst.exists() and any(dst.iterdir()):
        if not overwrite:
            raise InvalidInputError(f"{dst} already exists and is not empty.", hint="Choose an empty folder.")
        shutil.rmtree(dst)
    tmp = dst.with_name(dst.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    started = time.perf_counter()

    write_tokenizer_files(tmp / "vq32k-phoneme-tokenizer", size=size, seed=seed)
    tokenizer = TextTokenizer.from_dir(tmp / "vq32k-phoneme-tokenizer")
    n_audio = tokenizer.n_audio_tokens
    llm_vocab = FULL_LLM_VOCAB if size == "full" else _round_up(tokenizer.vocab_size + 64, 64)
    flow_vocab = FULL_FLOW_VOCAB if size == "full" else n_audio
    log.info("writing %s checkpoint: %d audio tokens, LLM vocab %d", size, n_audio, llm_vocab)

    write_random_llm(tmp / "llm", size=size, vocab_size=llm_vocab, seed=seed)
    write_random_flow(tmp / "flow", size=size, vocab_size=flow_vocab, seed=seed + 1)
    write_random_hift(tmp / "hift", size=size, seed=seed + 2)
    write_random_vocos(tmp / "vocos2d", size=size, seed=seed + 3)
    write_random_speech_tokenizer(tmp / "speech_tokenizer", size=size, codebook_size=n_audio, seed=seed + 4)
    (tmp / "frontend").mkdir()
    write_random_campplus(tmp / "frontend" / "campplus.onnx", size=size, seed=seed + 5)
    (tmp / GENERATED_MARKER).write_text(
        json.dumps(
            {
                "random_weights": True,
                "size": size,
                "seed": seed,
                "made_by": f"glmtts-desktop {__version__} dev make-checkpoint",
                "note": "Random weights in the official GLM-TTS layout. This checkpoint speaks noise.",
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    tmp.rename(dst) if not dst.exists() else (dst.rmdir(), tmp.rename(dst))
    log.info("checkpoint written to %s in %.1f s", dst, time.perf_counter() - started)
    return dst


def _round_up(n: int, multiple: int) -> int:
    return (n + multiple - 1) // multiple * multiple
