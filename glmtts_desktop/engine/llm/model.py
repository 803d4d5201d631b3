"""Our own compact Llama decoder, checkpoint-compatible with GLM-TTS's ``LlamaForCausalLM``.

Why not ``transformers``: the engine must not depend on it at run time, and the official loop
(HF forward with a growing ``DynamicCache``) is host-bound. Here the KV cache is preallocated
with static shapes and a decode step reads its position from a device tensor, so a step does no
allocation that depends on the step index and no host synchronisation; that makes it a candidate
for CUDA-graph capture or ``torch.compile`` later without changing its numerics.

Numerics follow HF Llama: RMSNorm in fp32 then cast back, rotate-half RoPE with cos/sin computed
in fp32, grouped-query attention through SDPA, SiLU-gated MLP, tied LM head. Built unfused
(``fused=False``), the parameter names are exactly the checkpoint's. Built fused (what
``load_llm`` does), Q/K/V are one matrix and gate/up another, so a decode step runs 4 matrix
products per layer instead of 7 (fewer kernel launches, one read of the input per product); the
checkpoint keeps its official names and ``checkpoint_tensors`` maps each of them to its rows of
the fused matrix, which is how loading fills them and saving writes them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

import torch
import torch.nn.functional as F
from torch import nn

from glmtts_desktop.engine.llm.config import LlmConfig

if TYPE_CHECKING:
    from glmtts_desktop.engine.llm.cuda_graphs import DecodeGraphs

log = logging.getLogger(__name__)

MIN_BUCKET = 256  # smallest KV-cache allocation (positions)
MIN_SPAN = 64  # smallest attention span of a decode step
SHRINK_FACTOR = 4  # reallocate when the cache is this many times larger than needed


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float, device=None, dtype=None) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim, device=device, dtype=dtype))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        in_dtype = x.dtype
        xf = x.to(torch.float32)
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * xf.to(in_dtype)


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def _apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x: [B, H, S, D]; cos/sin: [S, D] already in x's dtype."""
    return x * cos + _rotate_half(x) * sin


QKV_PARTS = ("q_proj", "k_proj", "v_proj")
GATE_UP_PARTS = ("gate_proj", "up_proj")


class Attention(nn.Module):
    def __init__(self, cfg: LlmConfig, device=None, dtype=None, *, fused: bool = False) -> None:
        super().__init__()
        self.n_heads = cfg.num_attention_heads
        self.n_kv = cfg.num_key_value_heads
        self.head_dim = cfg.head_dim
        self.fused = fused
        kw = dict(bias=False, device=device, dtype=dtype)
        self.split = (self.n_heads * self.head_dim, self.n_kv * self.head_dim, self.n_kv * self.head_dim)
        if fused:
            self.qkv_proj = nn.Linear(cfg.hidden_size, sum(self.split), **kw)
        else:
            self.q_proj = nn.Linear(cfg.hidden_size, self.split[0], **kw)
            self.k_proj = nn.Linear(cfg.hidden_size, self.split[1], **kw)
            self.v_proj = nn.Linear(cfg.hidden_size, self.split[2], **kw)
        self.o_proj = nn.Linear(self.n_heads * self.head_dim, cfg.hidden_size, **kw)

    def _qkv(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor):
        b, s, _ = x.shape
        if self.fused:
            q, k, v = self.qkv_proj(x).split(self.split, dim=-1)
        else:
            q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        q = q.view(b, s, self.n_heads, self.head_dim).transpose(1, 2)
        k = k.view(b, s, self.n_kv, self.head_dim).transpose(1, 2)
        v = v.view(b, s, self.n_kv, self.head_dim).transpose(1, 2)
        return _apply_rope(q, cos, sin), _apply_rope(k, cos, sin), v

    def _out(self, y: torch.Tensor) -> torch.Tensor:
        b, _, s, _ = y.shape
        return self.o_proj(y.transpose(1, 2).reshape(b, s, self.n_heads * self.head_dim))

    def forward_causal(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        kv_cache: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Causal attention over x itself (positions 0..S-1); optionally store K/V at 0..S-1."""
        q, k, v = self._qkv(x, cos, sin)
        if kv_cache is not None:
            s = x.shape[1]
            kv_cache[0][:, :, :s].copy_(k)
            kv_cache[1][:, :, :s].copy_(v)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=self.n_kv != self.n_heads)
        return self._out(y)

    def forward_step(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        pos: torch.Tensor,
        mask: torch.Tensor,
        kv_cache: tuple[torch.Tensor, torch.Tensor],
    ) -> torch.Tensor:
        """One new token at device position ``pos`` ([1] long) over the first ``mask.shape[-1]``
        cache positions (a span bucket >= pos + 1; ``mask`` is True up to ``pos``).

        Grouped-query attention as one batched matmul per group: the query heads that share a
        K/V head are the rows of one small matrix, so K/V are read once and never repeated, and
        the work is bounded by the span, not by the allocated cache. (SDPA with an explicit mask
        and GQA falls to its math kernel on most GPUs, which repeats K/V 4x.)"""
        q, k, v = self._qkv(x, cos, sin)
        k_cache, v_cache = kv_cache
        k_cache.index_copy_(2, pos, k)
        v_cache.index_copy_(2, pos, v)
        span = mask.shape[-1]
        group = self.n_heads // self.n_kv
        qg = q.reshape(1, self.n_kv, group, self.head_dim)
        scores = torch.matmul(qg, k_cache[:, :, :span].transpose(-1, -2)).float()
        scores = scores.mul_(self.head_dim**-0.5).masked_fill_(~mask, float("-inf"))
        probs = scores.softmax(-1).to(v_cache.dtype)
        y = torch.matmul(probs, v_cache[:, :, :span]).reshape(1, self.n_heads, 1, self.head_dim)
        return self._out(y)


class MLP(nn.Module):
    def __init__(self, cfg: LlmConfig, device=None, dtype=None, *, fused: bool = False) -> None:
        super().__init__()
        kw = dict(bias=False, device=device, dtype=dtype)
        self.fused = fused
        self.split = (cfg.intermediate_size, cfg.intermediate_size)
        if fused:
            self.gate_up_proj = nn.Linear(cfg.hidden_size, 2 * cfg.intermediate_size, **kw)
        else:
            self.gate_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, **kw)
            self.up_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, **kw)
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size, **kw)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fused:
            gate, up = self.gate_up_proj(x).split(self.split, dim=-1)
        else:
            gate, up = self.gate_proj(x), self.up_proj(x)
        return self.down_proj(F.silu(gate) * up)


class DecoderLayer(nn.Module):
    def __init__(self, cfg: LlmConfig, device=None, dtype=None, *, fused: bool = False) -> None:
        super().__init__()
        self.self_attn = Attention(cfg, device, dtype, fused=fused)
        self.mlp = MLP(cfg, device, dtype, fused=fused)
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps, device, dtype)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps, device, dtype)


class LlamaBackbone(nn.Module):
    """Holds the parameters under the names ``model.*`` of the checkpoint."""

    def __init__(self, cfg: LlmConfig, device=None, dtype=None, *, fused: bool = False) -> None:
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size, device=device, dtype=dtype)
        self.layers = nn.ModuleList(
            DecoderLayer(cfg, device, dtype, fused=fused) for _ in range(cfg.num_hidden_layers)
        )
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps, device, dtype)


class SpeechLM(nn.Module):
    """The GLM-TTS speech LLM with a preallocated, static-shape KV cache (batch 1).

    Use ``prefill`` once per segment (it resets the cache length to the prompt), then
    ``decode_step`` per generated token. ``forward_full`` runs without any cache (tests).
    Logits are returned in float32 whatever the weight dtype. ``fused``: see the module docstring.
    """

    def __init__(
        self, cfg: LlmConfig, *, device=None, dtype: torch.dtype | None = None, fused: bool = False
    ) -> None:
        super().__init__()
        self.config = cfg
        self.fused = fused
        self.model = LlamaBackbone(cfg, device, dtype, fused=fused)
        self.lm_head: nn.Linear | None = None
        if not cfg.tie_word_embeddings:
            self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False, device=device, dtype=dtype)
        # Runtime state, deliberately not registered (never part of state_dict()).
        self._rope: tuple[torch.Tensor, torch.Tensor] | None = None  # fp32 [P, D] cos, sin
        self._kv: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._cache_len = 0  # allocated length
        self._pos_host = 0  # next position, tracked on the host without syncing
        self._pos: torch.Tensor | None = None  # same value on the device, [1] long
        self._arange: torch.Tensor | None = None
        self._token: torch.Tensor | None = None  # static input of the decode step, [1, 1] long
        self.cache_generation = 0  # bumped on every (re)allocation: graphs bound to the old one die
        self.graphs: DecodeGraphs | None = None  # set by enable_cuda_graphs()
        self.quantized_head: nn.Module | None = None  # int8 output head (``quantize``, CPU mode)

    def enable_cuda_graphs(self, enabled: bool = True) -> bool:
        """Replay decode steps from captured CUDA graphs (CUDA only); returns whether they are on.

        Capture happens per span bucket on first use; if capture fails the model falls back to
        eager steps with one log line (see ``cuda_graphs``)."""
        if not enabled or self.device.type != "cuda":
            if self.graphs is not None:
                self.graphs.clear()
            self.graphs = None
            return False
        from glmtts_desktop.engine.llm.cuda_graphs import DecodeGraphs

        self.graphs = DecodeGraphs(self)
        return True

    def checkpoint_tensors(self) -> dict[str, torch.Tensor]:
        """Checkpoint name -> the tensor holding it, in checkpoint (module) order.

        Unfused, these are the parameters themselves. Fused, each of ``q/k/v_proj.weight`` and
        ``gate/up_proj.weight`` is a view of its rows in the fused matrix (rows of a contiguous
        matrix: contiguous, so a loader can read a file's bytes straight into it)."""
        out: dict[str, torch.Tensor] = {}
        for name, p in self.named_parameters():
            owner, leaf = name.rsplit(".", 2)[0], name.rsplit(".", 2)[1]
            parts = {"qkv_proj": QKV_PARTS, "gate_up_proj": GATE_UP_PARTS}.get(leaf)
            if parts is None:
                out[name] = p
                continue
            split = cast("Attention | MLP", self.get_submodule(owner)).split
            for part, rows in zip(parts, p.split(split, dim=0), strict=True):
                out[f"{owner}.{part}.weight"] = rows
        return out

    # --- helpers -------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return self.model.embed_tokens.weight.device

    @property
    def dtype(self) -> torch.dtype:
        return self.model.embed_tokens.weight.dtype

    def init_weights(self, generator: torch.Generator | None = None, std: float = 0.02) -> None:
        """Random init like HF Llama (normal(0, std) matrices, unit norms); for tests and tools."""
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("norm.weight"):
                    p.fill_(1.0)
                else:
                    p.copy_(torch.randn(p.shape, generator=generator, dtype=torch.float32).mul_(std))

    def _rope_table(self) -> tuple[torch.Tensor, torch.Tensor]:
        """cos/sin for every position up to max_position_embeddings, fp32, HF's formula."""
        dev = self.device
        if self._rope is None or self._rope[0].device != dev:
            cfg = self.config
            d = cfg.head_dim
            inv_freq = 1.0 / (
                cfg.rope_theta ** (torch.arange(0, d, 2, dtype=torch.int64, device=dev).float() / d)
            )
            t = torch.arange(cfg.max_position_embeddings, device=dev, dtype=torch.int64).float()
            freqs = torch.outer(t, inv_freq)
            emb = torch.cat((freqs, freqs), dim=-1)
            self._rope = (emb.cos(), emb.sin())
        return self._rope

    def _logits(self, h: torch.Tensor) -> torch.Tensor:
        h = self.model.norm(h)
        if self.quantized_head is not None:
            return self.quantized_head(h).float()
        weight = self.lm_head.weight if self.lm_head is not None else self.model.embed_tokens.weight
        return F.linear(h, weight).float()

    def _check_ids(self, input_ids: torch.Tensor) -> None:
        if input_ids.dim() != 2 or input_ids.shape[0] != 1 or input_ids.shape[1] == 0:
            raise ValueError(f"input_ids must have shape [1, S>0], got {tuple(input_ids.shape)}")
        if input_ids.shape[1] > self.config.max_position_embeddings:
            raise ValueError(
                f"sequence of {input_ids.shape[1]} tokens exceeds the model's "
                f"{self.config.max_position_embeddings} positions"
            )

    # --- full forward (no cache) ---------------------------------------------------------
    @torch.inference_mode()
    def forward_full(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Logits for every position, [1, S, V] float32, without touching the KV cache."""
        self._check_ids(input_ids)
        return self._logits(self._causal_pass(input_ids.to(self.device), store=False))

    def _decoder_layers(self) -> Iterable[DecoderLayer]:
        """The layers with their own type: ModuleList iterates as plain ``nn.Module``."""
        return cast("Iterable[DecoderLayer]", self.model.layers)

    def _causal_pass(self, input_ids: torch.Tensor, *, store: bool) -> torch.Tensor:
        s = input_ids.shape[1]
        cos, sin = self._rope_table()
        cos, sin = cos[:s].to(self.dtype), sin[:s].to(self.dtype)
        h = self.model.embed_tokens(input_ids)
        for i, layer in enumerate(self._decoder_layers()):
            kv = self._kv[i] if store else None
            h = h + layer.self_attn.forward_causal(layer.input_layernorm(h), cos, sin, kv)
            h = h + layer.mlp(layer.post_attention_layernorm(h))
        return h

    # --- cached generation ---------------------------------------------------------------
    def reset_cache(self, max_len: int) -> None:
        """Make room for ``max_len`` positions (prompt + generated); reuses memory if it fits.

        The memory is allocated in capacity buckets (powers of two from ``MIN_BUCKET``), so
        segments of similar length reuse one cache and the CUDA graphs captured on it. A cache
        more than ``SHRINK_FACTOR`` times larger than the bucket now needed is given back and
        reallocated smaller. ``cache_capacity`` is the logical limit ``max_len``.
        """
        cfg = self.config
        if max_len <= 0:
            raise ValueError("max_len must be positive")
        max_len = min(int(max_len), cfg.max_position_embeddings)
        physical = min(capacity_bucket(max_len), cfg.max_position_embeddings)
        dev, dt = self.device, self.dtype
        allocated = self._kv[0][0].shape[2] if self._kv else 0
        if (
            allocated < max_len
            or allocated > SHRINK_FACTOR * physical
            or self._kv[0][0].device != dev
            or self._kv[0][0].dtype != dt
        ):
            self.release_cache()  # free the old cache (and graphs bound to it) first
            shape = (1, cfg.num_key_value_heads, physical, cfg.head_dim)
            self._kv = [
                (torch.zeros(shape, device=dev, dtype=dt), torch.zeros(shape, device=dev, dtype=dt))
                for _ in range(cfg.num_hidden_layers)
            ]
            self._arange = torch.arange(physical, device=dev)
            self._pos = torch.zeros(1, dtype=torch.long, device=dev)
            self._token = torch.zeros(1, 1, dtype=torch.long, device=dev)
            self.cache_generation += 1
            log.debug("allocated KV cache for %d positions (bucket of %d)", max_len, physical)
        self._cache_len = max_len
        assert self._pos is not None  # allocated above or by an earlier call
        self._pos.zero_()
        self._pos_host = 0

    def release_cache(self) -> None:
        """Free the KV cache and its CUDA graphs (between jobs, when idle); prefill re-allocates."""
        if self.graphs is not None:
            self.graphs.clear()
        self._kv = []
        self._cache_len = 0
        self._pos = None
        self._pos_host = 0
        self._arange = None
        self._token = None

    @property
    def cache_capacity(self) -> int:
        return self._cache_len

    @property
    def allocated_positions(self) -> int:
        """Positions the KV cache memory holds (a bucket >= ``cache_capacity``)."""
        return self._kv[0][0].shape[2] if self._kv else 0

    @property
    def position(self) -> int:
        """Number of positions already in the cache."""
        return self._pos_host

    @torch.inference_mode()
    def prefill(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Fill the cache with the prompt (positions 0..S-1); logits at the last position [1, V].

        Allocates the cache if ``reset_cache`` was not called with enough room for the prompt.
        """
        self._check_ids(input_ids)
        s = input_ids.shape[1]
        if self._cache_len < s or not self._kv:
            self.reset_cache(s)
        h = self._causal_pass(input_ids.to(self.device), store=True)
        assert self._pos is not None  # allocated by reset_cache
        self._pos_host = s
        self._pos.fill_(s)
        return self._logits(h[:, -1])

    @torch.inference_mode()
    def decode_step(self, token: torch.Tensor) -> torch.Tensor:
        """Feed one token ([1, 1] long, may live on the device) at the next position; logits [1, V].

        The step reads its token and position from static device buffers and attends over a
        span bucket covering the current length, so for a given span its kernels and shapes
        never change: on CUDA it is replayed from a captured graph (``graphs``), elsewhere run
        eagerly. No host synchronisation either way; the host only tracks a counter.
        """
        if self._pos is None or self._pos_host == 0:
            raise RuntimeError("decode_step() before prefill()")
        if self._pos_host >= self._cache_len:
            raise RuntimeError(
                f"KV cache full ({self._cache_len} positions); call reset_cache with more room"
            )
        assert self._token is not None  # allocated with _pos
        self._token.copy_(token.reshape(1, 1))
        span = min(span_bucket(self._pos_host + 1), self.allocated_positions)
        out = None
        if self.graphs is not None:
            out = self.graphs.replay(span)
        if out is None:
            out = self.static_step(span)
        self._pos.add_(1)
        self._pos_host += 1
        return out

    def static_step(self, span: int) -> torch.Tensor:
        """The capturable decode step: token and position from the static buffers, attention over
        the first ``span`` cache positions; no allocation that depends on the step, no sync."""
        pos, arange, token = self._pos, self._arange, self._token
        assert pos is not None and arange is not None and token is not None  # from reset_cache
        cos_t, sin_t = self._rope_table()
        cos = cos_t.index_select(0, pos).to(self.dtype)
        sin = sin_t.index_select(0, pos).to(self.dtype)
        mask = (arange[:span] <= pos).view(1, 1, 1, span)
        h = self.model.embed_tokens(token)
        for i, layer in enumerate(self._decoder_layers()):
            h = h + layer.self_attn.forward_step(layer.input_layernorm(h), cos, sin, pos, mask, self._kv[i])
            h = h + layer.mlp(layer.post_attention_layernorm(h))
        return self._logits(h[:, -1])


def capacity_bucket(n: int) -> int:
    """The KV-cache allocation for ``n`` positions: the next power of two, at least MIN_BUCKET."""
    return max(MIN_BUCKET, 1 << (max(int(n), 1) - 1).bit_length())


def span_bucket(n: int) -> int:
    """The attention span for a cache holding ``n`` positions: the next power of two >= 64, so
    a step reads at most twice the live cache and only a handful of graphs are ever captured."""
    return max(MIN_SPAN, 1 << (max(int(n), 1) - 1).bit_length())
