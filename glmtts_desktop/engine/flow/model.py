"""Speech tokens -> 80-bin log-mel at 50 fps: the sampler around the DiT (spec 8.4).

``FlowModel.synthesize`` reproduces the release's offline path (``inference_with_cache`` with
``is_causal=False``): the frame-count quirk, prompt-mel infilling from the *end* of the prompt
mel, the L2-normalised speaker vector, a cosine time grid and CFG 0.7. The conditional and the
unconditional DiT passes run as one batch of two: the same numbers to float rounding, fewer and
larger matrix products (on the shared 2-core dev CPU it took 0.6-0.9x the time of two passes).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from glmtts_desktop.engine.flow.config import FlowConfig
from glmtts_desktop.engine.flow.dit import DiT
from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)


def flow_frames(n_tokens: int, input_frame_rate: float = 25.0, mel_framerate: float = 50.0) -> int:
    """Mel frames for ``n_tokens`` (prompt + generated), computed exactly as the release does.

    ``int(L / 25 * 50)`` in floating point gives ``2L - 1`` for some L (29 -> 57); keeping the
    quirk keeps our frame counts, and so the audio length, identical to the official code.
    """
    return int(n_tokens / input_frame_rate * mel_framerate)


def time_grid(steps: int, scheduler: str = "cosine", device: torch.device | str = "cpu") -> torch.Tensor:
    """The ODE time points t_0..t_steps (float32), cosine-warped as released."""
    t = torch.linspace(0, 1, steps + 1, device=device)
    if scheduler == "cosine":
        t = 1 - torch.cos(t * 0.5 * math.pi)
    return t


class FlowModel(nn.Module):
    """Holds the DiT as ``estimator`` so state-dict keys carry the official ``estimator.`` prefix."""

    def __init__(self, cfg: FlowConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.estimator = DiT(cfg)

    @property
    def dtype(self) -> torch.dtype:
        return self.estimator.proj_out.weight.dtype

    @property
    def device(self) -> torch.device:
        return self.estimator.proj_out.weight.device

    def velocity(
        self,
        x: torch.Tensor,
        cond: torch.Tensor,
        tokens: torch.Tensor,
        t: torch.Tensor,
        spk: torch.Tensor,
        *,
        cfg_rate: float,
        batched: bool = True,
        text_emb: torch.Tensor | None = None,
        positions: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """CFG-combined velocity ``(1+r)·v(cond, spk) − r·v(0, 0)`` for a batch-1 state x (1, T, mel).

        ``batched`` runs both passes as one batch of two; ``False`` runs them one after the
        other (kept for the equivalence test and for memory-starved devices).
        """
        est = self.estimator
        t1 = t.reshape(1)
        if cfg_rate <= 0:
            return est(x, cond, tokens, t1, spk, text_emb, positions)
        uncond_tokens = torch.zeros_like(tokens) if self.cfg.speech_token_cfg else tokens
        if text_emb is not None and self.cfg.speech_token_cfg:
            text_emb = None  # the unconditional tokens differ, so the embedding must be recomputed
        if batched and not self.cfg.speech_token_cfg:
            out = est(
                torch.cat((x, x)),
                torch.cat((cond, torch.zeros_like(cond))),
                tokens.expand(2, -1),
                t1.expand(2),
                torch.cat((spk, torch.zeros_like(spk))),
                None if text_emb is None else text_emb.expand(2, -1, -1),
                positions,
            )
            v_c, v_u = out[:1], out[1:]
        else:
            v_c = est(x, cond, tokens, t1, spk, text_emb, positions)
            v_u = est(
                x,
                torch.zeros_like(cond),
                uncond_tokens,
                t1,
                torch.zeros_like(spk),
                None if self.cfg.speech_token_cfg else text_emb,
                positions,
            )
        return (1.0 + cfg_rate) * v_c.float() - cfg_rate * v_u.float()

    @torch.inference_mode()
    def synthesize(
        self,
        prompt_tokens: torch.Tensor,
        tokens: torch.Tensor,
        prompt_mel: torch.Tensor,
        embedding: torch.Tensor,
        *,
        steps: int = 10,
        cfg_rate: float = 0.7,
        noise: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        batched_cfg: bool = True,
        on_step: Callable[[int, int], None] | None = None,
    ) -> torch.Tensor:
        """Mel (1, 80, T − Tp) for ``tokens`` spoken in the voice of the prompt.

        ``on_step(step, steps)`` runs after every Euler step: the engine reports progress and
        checks its cancel token there (raising stops the ODE), so a long flow stays cancellable.

        prompt_tokens (1, P) and tokens (1, G) are raw speech-codebook ids; prompt_mel (1, Tp, 80)
        is the prompt's log-mel; embedding (1, 192) the raw CAM++ vector (normalised here).
        ``noise`` (1, T, 80) with T = ``flow_frames(P + G)`` is the ODE's starting point; without it
        x0 is drawn from ``generator`` (on the generator's device, so a CPU generator gives the same
        x0 on every device). The DiT runs in the module dtype; x accumulates in float32.
        """
        dev, dtype, cfg = self.device, self.dtype, self.cfg
        prompt_tokens, tokens, prompt_mel, embedding = _check_inputs(
            cfg, prompt_tokens, tokens, prompt_mel, embedding
        )
        if steps < 1:
            raise InvalidInputError(tr("The flow needs at least one step (got {steps}).", steps=steps))
        all_tokens = torch.cat((prompt_tokens.to(dev), tokens.to(dev)), dim=1)
        n_frames = flow_frames(all_tokens.shape[1], cfg.input_frame_rate, cfg.mel_framerate)
        tp = prompt_mel.shape[1]

        cond = torch.zeros(1, n_frames, cfg.mel_dim, device=dev, dtype=dtype)
        c = min(tp, n_frames)
        if c > 0:
            cond[:, :c] = prompt_mel[:, tp - c :].to(dev, dtype)
        spk = F.normalize(embedding.to(dev).float(), dim=1).to(dtype)

        if noise is not None:
            if tuple(noise.shape) != (1, n_frames, cfg.mel_dim):
                raise InvalidInputError(
                    tr(
                        "The flow noise must have shape (1, {n_frames}, {mel_dim}) for {shape} tokens, got {shape2}.",
                        n_frames=n_frames,
                        mel_dim=cfg.mel_dim,
                        shape=all_tokens.shape[1],
                        shape2=tuple(noise.shape),
                    )
                )
            x = noise.to(dev, torch.float32).clone()
        else:
            gdev = generator.device if generator is not None else torch.device("cpu")
            x = torch.randn(1, n_frames, cfg.mel_dim, generator=generator, device=gdev).to(dev)

        text_emb = self.estimator.embed_tokens(all_tokens, n_frames)
        x = self._integrate(x, cond, all_tokens, spk, text_emb, None, steps, cfg_rate, batched_cfg, on_step)
        return x[:, tp:].transpose(1, 2).contiguous()

    @torch.inference_mode()
    def synthesize_frames(
        self,
        frame_tokens: torch.Tensor,
        positions: torch.Tensor,
        cond: torch.Tensor,
        embedding: torch.Tensor,
        noise: torch.Tensor,
        *,
        steps: int = 10,
        cfg_rate: float = 0.7,
        batched_cfg: bool = True,
        on_step: Callable[[int, int], None] | None = None,
    ) -> torch.Tensor:
        """The ODE over chosen frames of an utterance: (1, F, 80) float32 final state.

        Streaming renders a window (the prompt's frames plus a stretch of the speech) instead of
        the whole utterance, so that each chunk costs the same however long the segment is.
        Every frame keeps what it has in the whole rendering: ``frame_tokens`` (1, F) its token
        id (frame j speaks token j // 2), ``positions`` (F,) its index (rotary and sinusoid
        positions), ``cond`` (1, F, 80) the prompt mel or zeros, ``noise`` (1, F, 80) its x0.
        With ``positions`` = 0..F-1 this is ``synthesize`` before the prompt frames are cut.
        """
        dev, dtype, cfg = self.device, self.dtype, self.cfg
        n = frame_tokens.shape[-1]
        shapes_ok = (
            frame_tokens.dim() == 2
            and tuple(positions.shape) == (n,)
            and tuple(cond.shape) == (1, n, cfg.mel_dim)
            and tuple(noise.shape) == (1, n, cfg.mel_dim)
            and embedding.numel() == cfg.spk_dim
        )
        if not shapes_ok or n == 0:
            raise InvalidInputError(
                tr(
                    "The flow window's inputs do not fit together: tokens {shape}, positions {shape2}, cond {shape3}, noise {shape4}.",
                    shape=tuple(frame_tokens.shape),
                    shape2=tuple(positions.shape),
                    shape3=tuple(cond.shape),
                    shape4=tuple(noise.shape),
                )
            )
        if steps < 1:
            raise InvalidInputError(tr("The flow needs at least one step (got {steps}).", steps=steps))
        tokens = frame_tokens.to(dev).long()
        positions = positions.to(dev).long()
        spk = F.normalize(embedding.reshape(1, cfg.spk_dim).to(dev).float(), dim=1).to(dtype)
        text_emb = self.estimator.embed_tokens(tokens, n, positions)
        x = noise.to(dev, torch.float32).clone()
        return self._integrate(
            x, cond.to(dev, dtype), tokens, spk, text_emb, positions, steps, cfg_rate, batched_cfg, on_step
        )

    def _integrate(
        self,
        x: torch.Tensor,
        cond: torch.Tensor,
        tokens: torch.Tensor,
        spk: torch.Tensor,
        text_emb: torch.Tensor,
        positions: torch.Tensor | None,
        steps: int,
        cfg_rate: float,
        batched_cfg: bool,
        on_step: Callable[[int, int], None] | None,
    ) -> torch.Tensor:
        """Euler steps on the cosine grid from x0 = ``x`` (float32); the one home of the ODE loop."""
        dtype = self.dtype
        grid = time_grid(steps, self.cfg.t_scheduler, device=x.device)
        t, dt = grid[0], grid[1] - grid[0]
        for step in range(1, steps + 1):
            v = self.velocity(
                x.to(dtype),
                cond,
                tokens,
                t,
                spk,
                cfg_rate=cfg_rate,
                batched=batched_cfg,
                text_emb=text_emb,
                positions=positions,
            )
            x = x + dt * v
            t = t + dt  # accumulated like the release, dt re-derived from the grid
            if step < steps:
                dt = grid[step + 1] - t
            if on_step is not None:
                on_step(step, steps)
        return x


def _check_inputs(
    cfg: FlowConfig,
    prompt_tokens: torch.Tensor,
    tokens: torch.Tensor,
    prompt_mel: torch.Tensor,
    embedding: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Shapes and id ranges, with messages that say which input is wrong."""
    for name, ids in (("prompt_tokens", prompt_tokens), ("tokens", tokens)):
        if ids.dim() != 2 or ids.shape[0] != 1:
            raise InvalidInputError(
                tr("The flow expects {name} of shape (1, n), got {shape}.", name=name, shape=tuple(ids.shape))
            )
        if ids.is_floating_point():
            raise InvalidInputError(
                tr("The flow expects integer {name}, got {dtype}.", name=name, dtype=ids.dtype)
            )
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) > cfg.vocab_size):
            raise InvalidInputError(
                tr(
                    "The flow got a {name} id outside 0..{vocab_size} (min {value}, max {value2}).",
                    name=name,
                    vocab_size=cfg.vocab_size,
                    value=int(ids.min()),
                    value2=int(ids.max()),
                )
            )
    if prompt_tokens.shape[1] + tokens.shape[1] == 0:
        raise InvalidInputError(tr("The flow got no speech tokens at all."))
    if prompt_mel.dim() != 3 or prompt_mel.shape[0] != 1 or prompt_mel.shape[2] != cfg.mel_dim:
        raise InvalidInputError(
            tr(
                "The prompt mel must be (1, frames, {mel_dim}), got {shape}.",
                mel_dim=cfg.mel_dim,
                shape=tuple(prompt_mel.shape),
            )
        )
    if embedding.numel() != cfg.spk_dim:
        raise InvalidInputError(
            tr(
                "The speaker embedding must have {spk_dim} values, got {value}.",
                spk_dim=cfg.spk_dim,
                value=embedding.numel(),
            )
        )
    return prompt_tokens.long(), tokens.long(), prompt_mel, embedding.reshape(1, cfg.spk_dim)
