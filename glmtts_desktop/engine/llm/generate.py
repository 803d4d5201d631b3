"""Autoregressive speech-token generation for one text segment (spec §7.2, §7.3).

The loop mirrors the reference: prefill the whole prompt, then one token per step; eoa is
banned before ``min_len``; the first eoa ends the segment (not appended); at most ``max_len``
tokens. Differences are only in mechanics: a static KV cache and an explicit per-segment
generator, consumed draw for draw like the official global one (see ``sampling``); the sampler
returns the id as a host int, which the stop test needs anyway. On CUDA the sampler runs on the
device (``device_sampling``: one small read per token) and the id it leaves there is fed back
without a host->device copy; on the CPU, where a read costs nothing, the host sampler is used.
Cancellation is checked before every step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from glmtts_desktop.engine.errors import TextInputError
from glmtts_desktop.engine.llm.device_sampling import DeviceSampler
from glmtts_desktop.engine.llm.model import SpeechLM
from glmtts_desktop.engine.llm.sampling import METHODS, TokenSampler
from glmtts_desktop.engine.types import CancelToken, SpecialIds
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GenerationOutput:
    ids: list[int]  # raw codebook ids (ats subtracted), all in [0, n_audio_tokens)
    hit_max_length: bool  # max_len reached without the stop token
    n_prefill: int  # length of the prompt that was prefilled


def build_input_ids(
    prompt_text_ids: Sequence[int],
    text_ids: Sequence[int],
    prompt_speech_ids: Sequence[int],
    special: SpecialIds,
) -> list[int]:
    """``[prompt_text, text, boa, prompt_speech + ats]`` as the reference builds it (§7.2).

    ``special`` needs ``boa`` and ``ats``. Deliberate deviation: the reference applies the
    ``ats`` offset only when the transcript is non-empty too, so a voice without a transcript
    would feed its speech codes to the model as *text* ids. We always offset them: a missing
    transcript then costs some likeness, not the whole prompt. Identical whenever both exist.
    """
    speech = [int(x) + int(special.ats) for x in prompt_speech_ids]
    return [int(x) for x in prompt_text_ids] + [int(x) for x in text_ids] + [int(special.boa)] + speech


def generate_speech_tokens(
    model: SpeechLM,
    input_ids: list[int],
    *,
    text_len: int,
    special: SpecialIds,
    method: str = "ras",
    generator: torch.Generator,
    min_ratio: float = 2,
    max_ratio: float = 20,
    cancel: CancelToken | None = None,
    on_step: Callable[[int, int], None] | None = None,
    on_tokens: Callable[[list[int]], None] | None = None,
) -> GenerationOutput:
    """Generate speech tokens for one segment.

    ``text_len`` is the number of target-text tokens (it sets ``min_len = int(text_len *
    min_ratio)`` and ``max_len = int(text_len * max_ratio)``). ``generator`` must live on the
    model's device; the caller seeds it per segment. ``on_step(done, max_len)`` is called after
    each appended token, then ``on_tokens(ids)`` with the raw ids so far (a live list the callee
    must not keep or change: streaming renders audio from it while the loop goes on). Raises
    SynthesisCancelled (via ``cancel``) between steps.
    """
    if method not in METHODS:
        raise ValueError(f"unknown sampling method {method!r}; expected one of {METHODS}")
    if text_len <= 0:
        raise TextInputError(
            tr("There is no text to speak in this segment."), hint=tr("Enter some text and try again.")
        )
    dev = model.device
    if torch.device(generator.device).type != dev.type:
        raise ValueError(f"the generator is on {generator.device}, the model on {dev}")
    cfg = model.config
    n_prompt = len(input_ids)
    if n_prompt == 0 or min(input_ids) < 0 or max(input_ids) >= cfg.vocab_size:
        raise ValueError(f"input ids must be non-empty and within [0, {cfg.vocab_size})")
    if n_prompt >= cfg.max_position_embeddings:
        raise TextInputError(
            tr(
                "The prompt is too long for the model ({n_prompt} tokens, limit {max_position_embeddings}).",
                n_prompt=n_prompt,
                max_position_embeddings=cfg.max_position_embeddings,
            ),
            hint=tr("Use a shorter reference recording or split the text."),
        )
    min_len = int(text_len * min_ratio)
    max_len = int(text_len * max_ratio)
    room = cfg.max_position_embeddings - n_prompt
    if max_len > room:
        log.warning("max_len %d capped to %d by the model's context length", max_len, room)
        max_len = room
    sampler_cls = DeviceSampler if dev.type == "cuda" else TokenSampler
    sampler = sampler_cls(
        method,
        vocab_size=cfg.vocab_size,
        ats=special.ats,
        n_audio_tokens=special.n_audio_tokens,
        eoa=special.eoa,
        generator=generator,
        device=dev,
    )
    eoa, ats = int(special.eoa), int(special.ats)
    if cancel is not None:
        cancel.raise_if_cancelled()
    # The last sampled token is never fed back, so prompt + max_len - 1 positions suffice.
    model.reset_cache(n_prompt + max(max_len - 1, 1))
    out: list[int] = []
    hit_max = True
    with torch.inference_mode():
        logits = model.prefill(torch.tensor([input_ids], dtype=torch.long, device=dev))
        for i in range(max_len):
            if cancel is not None:
                cancel.raise_if_cancelled()
            tid = sampler(logits, ban_eoa=i < min_len)  # a host int: the sampler syncs (see sampling)
            if tid == eoa:
                hit_max = False
                break
            out.append(tid - ats)
            if on_step is not None:
                on_step(len(out), max_len)
            if on_tokens is not None:
                on_tokens(out)
            if i + 1 < max_len:
                sampler.push(tid)
                logits = model.decode_step(sampler.token_tensor(tid))
    log.debug(
        "generated %d speech tokens (prompt %d, max %d, stop=%s)", len(out), n_prompt, max_len, not hit_max
    )
    return GenerationOutput(ids=out, hit_max_length=hit_max, n_prefill=n_prompt)
