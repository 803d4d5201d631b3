"""Loading the official ``flow/`` folder (config.yaml + flow.pt) and writing random stand-ins.

The module is built on the meta device and filled with the checkpoint tensors
(``load_state_dict(assign=True)``), so loading never spends time or memory on a random
initialisation that is thrown away (the release's loader does).
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from glmtts_desktop.engine.config_limits import check_flow_config
from glmtts_desktop.engine.flow.config import FlowConfig
from glmtts_desktop.engine.flow.model import FlowModel
from glmtts_desktop.engine.flow.weights_io import (
    check_state_dict,
    expected_state,
    read_state_dict,
    save_state_dict,
    write_text,
)
from glmtts_desktop.i18n import N_

log = logging.getLogger(__name__)

CONFIG_NAME = "config.yaml"
WEIGHTS_NAME = "flow.pt"


def build_flow(cfg: FlowConfig, *, device: torch.device | str = "cpu", seed: int | None = None) -> FlowModel:
    """A randomly initialised model (for tests and the random-checkpoint maker)."""
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        with torch.device(device):
            model = FlowModel(cfg)
    return model.eval()


def load_flow(
    flow_dir: Path, *, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32
) -> FlowModel:
    """Read ``flow_dir/config.yaml`` as data and strictly load ``flow_dir/flow.pt`` into our DiT."""
    flow_dir = Path(flow_dir)
    cfg = FlowConfig.from_yaml(flow_dir / CONFIG_NAME)
    check_flow_config(cfg, flow_dir / CONFIG_NAME)  # before anything is allocated
    path = flow_dir / WEIGHTS_NAME
    state = read_state_dict(path, what=N_("flow model"))
    model = build_flow(cfg, device="meta")
    check_state_dict(expected_state(model), state, path=path, what=N_("flow model"))
    model.load_state_dict(state, strict=True, assign=True)
    model = model.to(device=device, dtype=dtype)
    # Tensors left as they came (CPU float32) still point into the memory-mapped file; copy them
    # so the file can be replaced while the app runs.
    for p in list(model.parameters()) + list(model.buffers()):
        if p.device.type == "cpu":
            p.data = p.data.clone()
    log.info("loaded flow model from %s (%d tensors, %s, %s)", path, len(state), device, dtype)
    return model.eval().requires_grad_(False)


def write_random_flow(flow_dir: Path, *, size: str = "tiny", vocab_size: int = 100000, seed: int = 0) -> None:
    """Write an official-layout ``config.yaml`` + ``flow.pt`` with random weights.

    ``size="full"`` is the released architecture (config.yaml has the official six keys only);
    ``size="tiny"`` is a small DiT whose sizes are written as extra keys in the same file.
    """
    if size == "full":
        cfg = FlowConfig.full()
        if vocab_size != cfg.vocab_size:
            cfg = cfg.replace(vocab_size=vocab_size)
    elif size == "tiny":
        cfg = FlowConfig.tiny(vocab_size)
    else:
        raise ValueError(f"size must be 'full' or 'tiny', not {size!r}")
    flow_dir = Path(flow_dir)
    model = build_flow(cfg, seed=seed)
    save_state_dict(model.state_dict(), flow_dir / WEIGHTS_NAME)
    write_text(flow_dir / CONFIG_NAME, cfg.to_yaml())
    log.info("wrote random %s flow model to %s", size, flow_dir)
