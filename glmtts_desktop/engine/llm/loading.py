"""Load the speech LLM from an HF-layout folder strictly, and write random ones in that layout.

Strict means: every tensor the model needs is present with the expected shape and a float
dtype, and nothing unexpected is there (a redundant ``lm_head.weight`` of the right shape is
tolerated because the head is tied). Every failure names the file and says what to do.

The module is built on the ``meta`` device and then given uninitialised storage in the target
dtype, so no time is spent on a random init of 1.5 B parameters (the reference spends 66 s) and
weights are copied in one tensor at a time (peak extra memory: one fp32 tensor).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from pathlib import Path

import torch

from glmtts_desktop.engine.config_limits import check_llm_config
from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.engine.llm import weight_cache as weight_cache_io
from glmtts_desktop.engine.llm.config import LlmConfig
from glmtts_desktop.engine.llm.model import SpeechLM
from glmtts_desktop.engine.llm.safetensors_io import (
    HINT_REDOWNLOAD,
    READ_CHUNK_BYTES,
    TensorInfo,
    atomic_write_bytes,
    read_header,
    read_into,
    write_streaming,
)
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

CONFIG_NAME = "config.json"
INDEX_NAME = "model.safetensors.index.json"
SINGLE_NAME = "model.safetensors"
MAX_SHARD_BYTES = 5_000_000_000  # HF's default "5GB"; reproduces the official 196/58 split
_FLOAT_DTYPES = {"F32", "F16", "BF16"}
_TOLERATED = "lm_head.weight"


def expected_tensors(cfg: LlmConfig) -> dict[str, tuple[int, ...]]:
    """Checkpoint key -> shape, in the module order HF uses when it writes shards."""
    with torch.device("meta"):
        model = SpeechLM(cfg)
    return {name: tuple(p.shape) for name, p in model.named_parameters()}


def _shard_map(llm_dir: Path) -> dict[str, Path]:
    """Tensor name -> shard file, from the index (or the single-file layout)."""
    index = llm_dir / INDEX_NAME
    if index.is_file():
        try:
            data = json.loads(index.read_text(encoding="utf-8"))
            weight_map = data["weight_map"]
            if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
                raise TypeError("weight_map is not a name -> file mapping")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
            raise CorruptWeightsError(
                tr("The speech model's shard index {index} cannot be read ({exc}).", index=index, exc=exc),
                hint=HINT_REDOWNLOAD,
                detail=str(index),
            ) from exc
        out = {}
        for name, fname in weight_map.items():
            if Path(fname).name != fname:  # no path components: stay inside the folder
                raise CorruptWeightsError(
                    tr(
                        "The shard index {index} points outside the model folder ({fname}).",
                        index=index,
                        fname=repr(fname),
                    ),
                    hint=HINT_REDOWNLOAD,
                    detail=str(index),
                )
            out[name] = llm_dir / fname
        return out
    single = llm_dir / SINGLE_NAME
    if single.is_file():
        return {name: single for name in read_header(single)}
    raise MissingWeightsError(
        tr(
            "The speech model's weights are missing: neither {index} nor {single} exists.",
            index=index,
            single=single,
        ),
        hint=HINT_REDOWNLOAD,
        detail=str(llm_dir),
    )


def check_checkpoint(llm_dir: Path, cfg: LlmConfig) -> dict[Path, dict[str, TensorInfo]]:
    """Validate the folder without reading weights; return shard -> {needed tensor: info}."""
    shard_of = _shard_map(llm_dir)
    headers: dict[Path, dict[str, TensorInfo]] = {}
    for shard in sorted(set(shard_of.values())):
        if not shard.is_file():
            raise MissingWeightsError(
                tr("The speech model's weight file {shard} is missing.", shard=shard),
                hint=HINT_REDOWNLOAD,
                detail=str(shard),
            )
        headers[shard] = read_header(shard)
    expected = expected_tensors(cfg)
    plan: dict[Path, dict[str, TensorInfo]] = {s: {} for s in headers}
    for name, shard in shard_of.items():
        info = headers[shard].get(name)
        if info is None:
            raise CorruptWeightsError(
                tr(
                    "The weight file {shard} does not contain the tensor {name} that its index lists.",
                    shard=shard,
                    name=repr(name),
                ),
                hint=HINT_REDOWNLOAD,
                detail=str(shard),
            )
        want = expected.get(name)
        if want is None:
            if (
                name == _TOLERATED
                and cfg.tie_word_embeddings
                and info.shape == expected["model.embed_tokens.weight"]
            ):
                continue  # redundant copy of the tied head
            raise CorruptWeightsError(
                tr(
                    "The weight file {shard} holds an unexpected tensor {name}; it does not belong to this model.",
                    shard=shard,
                    name=repr(name),
                ),
                hint=tr("Check that the folder holds the GLM-TTS speech model, or re-download it."),
                detail=str(shard),
            )
        if info.shape != want:
            raise CorruptWeightsError(
                tr(
                    "The tensor {name} in {shard} has shape {shape}, expected {want}.",
                    name=repr(name),
                    shard=shard,
                    shape=list(info.shape),
                    want=list(want),
                ),
                hint=tr("The weights do not match config.json; re-download the model."),
                detail=str(shard),
            )
        if info.dtype not in _FLOAT_DTYPES:
            raise CorruptWeightsError(
                tr(
                    "The tensor {name} in {shard} has dtype {dtype}, expected a float type.",
                    name=repr(name),
                    shard=shard,
                    dtype=info.dtype,
                ),
                hint=HINT_REDOWNLOAD,
                detail=str(shard),
            )
        plan[shard][name] = info
    missing = [n for n in expected if n not in shard_of]
    if missing:
        where = llm_dir / INDEX_NAME if (llm_dir / INDEX_NAME).is_file() else llm_dir / SINGLE_NAME
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise CorruptWeightsError(
            tr(
                "The speech model in {where} lacks the tensor {missing}{more}.",
                where=where,
                missing=repr(missing[0]),
                more=more,
            ),
            hint=HINT_REDOWNLOAD,
            detail=", ".join(missing[:20]),
        )
    return plan


def load_llm(
    llm_dir: Path,
    *,
    device: torch.device,
    dtype: torch.dtype,
    on_progress: Callable[[int, int], None] | None = None,
    fuse: bool = True,
    weight_cache: bool = True,
) -> SpeechLM:
    """Build the SpeechLM from ``llm_dir`` (config.json + safetensors) on ``device`` in ``dtype``.

    ``on_progress(done, total)`` is called after each tensor, for a loading bar. ``fuse`` builds
    the fused model (Q/K/V and gate/up as one matrix each): the checkpoint's tensors are read
    straight into their rows of the fused matrices, so fusing costs no copy and no extra memory.
    ``weight_cache``: in bf16, read the verified bf16 copy of the weights when there is one that
    matches the shards, and write it after reading the shards when there is none (``weight_cache``).
    """
    llm_dir = Path(llm_dir)
    device = torch.device(device)
    cfg = LlmConfig.from_json(llm_dir / CONFIG_NAME)
    check_llm_config(cfg, llm_dir / CONFIG_NAME)  # before anything is allocated
    plan = check_checkpoint(llm_dir, cfg)
    with torch.device("meta"):
        model = SpeechLM(cfg, dtype=dtype, fused=fuse)
    model = model.to_empty(device=device)
    params = model.checkpoint_tensors()
    total, done = len(params), 0
    # One staging buffer for all conversions; page-locked for a GPU so each copy is a fast DMA.
    scratch = torch.empty(READ_CHUNK_BYTES, dtype=torch.uint8, pin_memory=device.type == "cuda")

    def tick() -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, total)

    use_cache = (
        weight_cache
        and dtype == torch.bfloat16
        and not all(info.dtype == "BF16" for tensors in plan.values() for info in tensors.values())
    )
    sources = weight_cache_io.source_stamps(plan) if use_cache else []
    entry = weight_cache_io.find(llm_dir, sources) if use_cache else None
    with torch.no_grad():
        if entry is not None and weight_cache_io.read_verified(
            entry, params, scratch=scratch, on_tensor=tick
        ):
            use_cache = False  # verified: nothing to rebuild
        else:
            done = 0
            _read_shards(plan, params, scratch, tick)
    if use_cache:
        weight_cache_io.write(llm_dir, sources, params)
    if done != total:  # check_checkpoint guarantees this; keep the invariant explicit
        raise CorruptWeightsError(
            tr(
                "Only {done} of {total} tensors were loaded from {llm_dir}.",
                done=done,
                total=total,
                llm_dir=llm_dir,
            ),
            hint=HINT_REDOWNLOAD,
        )
    model.requires_grad_(False)
    model.eval()
    log.info("loaded speech LLM from %s (%d tensors, %s, %s)", llm_dir, total, device, dtype)
    return model


def _read_shards(
    plan: dict[Path, dict[str, TensorInfo]],
    params: dict[str, torch.Tensor],
    scratch: torch.Tensor,
    tick: Callable[[], None],
) -> None:
    for shard, tensors in plan.items():
        try:
            with open(shard, "rb") as f:
                for name, info in tensors.items():
                    read_into(f, info, params[name], shard, scratch=scratch)
                    tick()
        except OSError as exc:
            raise CorruptWeightsError(
                tr("The weight file {shard} could not be read ({exc}).", shard=shard, exc=exc),
                hint=HINT_REDOWNLOAD,
                detail=str(shard),
            ) from exc


# --- writing random checkpoints ---------------------------------------------------------


def plan_shards(cfg: LlmConfig, *, bytes_per_value: int = 4, max_shard_bytes: int = MAX_SHARD_BYTES):
    """Split the tensors into shards the way HF ``save_pretrained`` does (in module order)."""
    shards: list[list[tuple[str, tuple[int, ...]]]] = [[]]
    size = 0
    for name, shape in expected_tensors(cfg).items():
        n = bytes_per_value
        for d in shape:
            n *= d
        if shards[-1] and size + n > max_shard_bytes:
            shards.append([])
            size = 0
        shards[-1].append((name, shape))
        size += n
    return shards


def write_random_llm(llm_dir: Path, *, size: str, vocab_size: int, seed: int) -> None:
    """Write config.json, generation_config.json and fp32 sharded safetensors with random weights.

    ``size="tiny"`` uses ``LlmConfig.tiny(vocab_size)`` (one shard); ``size="full"`` the
    official shapes (two shards, 6.2 GB at the official vocab). The layout and names match the
    published checkpoint, including ``model.safetensors.index.json``. Init: normal(0, 0.02)
    matrices, unit norm weights, drawn from a generator seeded with ``seed``.
    """
    if size == "tiny":
        cfg = LlmConfig.tiny(vocab_size)
    elif size == "full":
        cfg = dataclasses.replace(LlmConfig.full(), vocab_size=vocab_size)
    else:
        raise ValueError(f"size must be 'tiny' or 'full', not {size!r}")
    gen = torch.Generator().manual_seed(int(seed))

    def make(name: str, shape: tuple[int, ...]) -> torch.Tensor:
        if name.endswith("norm.weight"):
            return torch.ones(shape, dtype=torch.float32)
        return torch.randn(shape, generator=gen, dtype=torch.float32).mul_(0.02)

    _write_checkpoint(cfg, Path(llm_dir), make, MAX_SHARD_BYTES)
    log.info("wrote random %s speech LLM to %s", size, llm_dir)


def save_llm(model: SpeechLM, llm_dir: Path, *, max_shard_bytes: int = MAX_SHARD_BYTES) -> None:
    """Write ``model``'s weights (as fp32) and config in the official folder layout (official
    names, whether ``model`` is fused or not)."""
    state = model.checkpoint_tensors()
    _write_checkpoint(
        model.config,
        Path(llm_dir),
        lambda name, _shape: state[name].detach().to("cpu", torch.float32),
        max_shard_bytes,
    )


def _write_checkpoint(
    cfg: LlmConfig,
    llm_dir: Path,
    make: Callable[[str, tuple[int, ...]], torch.Tensor],
    max_shard_bytes: int,
) -> None:
    llm_dir.mkdir(parents=True, exist_ok=True)
    shards = plan_shards(cfg, max_shard_bytes=max_shard_bytes)
    n = len(shards)
    weight_map: dict[str, str] = {}
    total = 0
    for i, tensors in enumerate(shards, start=1):
        fname = f"model-{i:05d}-of-{n:05d}.safetensors"
        write_streaming(llm_dir / fname, [(k, s, torch.float32) for k, s in tensors], make)
        for k, s in tensors:
            weight_map[k] = fname
            numel = 1
            for d in s:
                numel *= d
            total += 4 * numel
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    atomic_write_bytes(llm_dir / INDEX_NAME, (json.dumps(index, indent=2) + "\n").encode("utf-8"))
    gen_cfg = {
        "_from_model_config": True,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "transformers_version": "4.47.1",
    }
    atomic_write_bytes(
        llm_dir / "generation_config.json", (json.dumps(gen_cfg, indent=2) + "\n").encode("utf-8")
    )
    atomic_write_bytes(llm_dir / CONFIG_NAME, (json.dumps(cfg.to_hf_dict(), indent=2) + "\n").encode("utf-8"))
    log.debug("wrote %s: %d shard(s), %d bytes", llm_dir, n, total)
