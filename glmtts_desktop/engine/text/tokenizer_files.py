"""Write a complete, loadable tokenizer folder for random "dev checkpoints".

Tests and tools build tiny models with random weights; they need a tokenizer folder in the
official ``vq32k-phoneme-tokenizer`` layout (rank file + HF ``tokenizer_config.json``) without
shipping GLM-4's vocabulary. ``size="full"`` reproduces the official id layout exactly (the
ids every special token has in the real checkpoint); ``size="tiny"`` is small and fast.
Nothing executable is written (no ``auto_map``, no Python file).
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

from glmtts_desktop.engine.text.bpe_train import SAMPLE_TEXT, train_merges
from glmtts_desktop.engine.text.resources import atomic_write_text, phoneme_inventory
from glmtts_desktop.engine.text.tokenizer import CONFIG_FILE, RANK_FILE

log = logging.getLogger(__name__)

# GLM-4 special tokens in their official order (spec section 3).
GLM_SPECIALS = (
    "<|endoftext|>",
    "[MASK]",
    "[gMASK]",
    "[sMASK]",
    "<sop>",
    "<eop>",
    "<|system|>",
    "<|user|>",
    "<|assistant|>",
    "<|observation|>",
    "<|begin_of_image|>",
    "<|end_of_image|>",
    "<|begin_of_video|>",
    "<|end_of_video|>",
    "<|begin_of_audio|>",
    "<|end_of_audio|>",
)

# Official layout (spec section 3).
FULL_BASE_VOCAB = 59246
FULL_FIRST_AUDIO = 61498
FULL_AUDIO_TOKENS = 32768
FULL_VOCAB = 98304

TINY_MERGES = 300
TINY_AUDIO_TOKENS = 1024


def write_tokenizer_files(dst: Path, *, size: str, seed: int = 0) -> None:
    """Write ``tokenizer.model`` and ``tokenizer_config.json`` into ``dst``.

    ``size`` is ``"tiny"`` (256 bytes + a few hundred merges, 1024 audio tokens) or ``"full"``
    (the official ids: BPE 0..59245, ``<|endoftext|>`` 59246, ``<|audio_0|>`` 61498 ...
    ``<|audio_32767|>`` 94265, vocabulary 98304). ``seed`` only changes BPE tie-breaking.
    """
    if size not in ("tiny", "full"):
        raise ValueError(f"size must be 'tiny' or 'full', not {size!r}")
    dst = Path(dst)
    base = [bytes([b]) for b in range(256)] + train_merges(SAMPLE_TEXT, TINY_MERGES, seed=seed)
    if size == "full":
        # Filler tokens start with byte 0xFF, which never occurs in UTF-8 text, so BPE can
        # never produce them: they only occupy the official id range.
        i = 0
        while len(base) < FULL_BASE_VOCAB:
            base.append(b"\xff" + f"unused_{i}".encode("ascii"))
            i += 1
    added: list[tuple[str, bool]] = [(s, True) for s in GLM_SPECIALS]
    added += [(f"<|{p}|>", False) for p in phoneme_inventory()]
    n_audio = TINY_AUDIO_TOKENS
    if size == "full":
        n_audio = FULL_AUDIO_TOKENS
        gap = FULL_FIRST_AUDIO - FULL_BASE_VOCAB - len(added)
        if gap < 0:
            raise AssertionError("too many added tokens for the official layout")
        added += [(f"<|reserved_{k}|>", True) for k in range(gap)]
    added += [(f"<|audio_{k}|>", True) for k in range(n_audio)]
    if size == "full":
        tail = FULL_VOCAB - (len(base) + len(added))
        added += [(f"<|reserved_tail_{k}|>", True) for k in range(tail)]

    rank_lines = "".join(f"{base64.b64encode(tok).decode('ascii')} {rank}\n" for rank, tok in enumerate(base))
    decoder = {
        str(len(base) + k): {
            "content": content,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": special,
        }
        for k, (content, special) in enumerate(added)
    }
    config = {
        "added_tokens_decoder": decoder,
        "additional_special_tokens": [],
        "clean_up_tokenization_spaces": False,
        "do_lower_case": False,
        "eos_token": "<|endoftext|>",
        "pad_token": "<|endoftext|>",
        "model_max_length": 8192,
        "padding_side": "left",
        "remove_space": False,
        "tokenizer_class": "ChatGLM4Tokenizer",
        "glmtts_desktop_dev_tokenizer": {"size": size, "seed": seed},
    }
    atomic_write_text(dst / RANK_FILE, rank_lines)
    atomic_write_text(dst / CONFIG_FILE, json.dumps(config, ensure_ascii=False, indent=1) + "\n")
    log.info("wrote %s dev tokenizer to %s (%d BPE ranks, %d added tokens)", size, dst, len(base), len(added))
