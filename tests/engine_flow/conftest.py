"""Tiny flow / vocoder checkpoints written once per session by our own writers."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from flow_helpers import TINY_VOCAB


@pytest.fixture(scope="session")
def tiny_flow_dir(tmp_path_factory) -> Path:
    from glmtts_desktop.engine.flow import write_random_flow

    d = tmp_path_factory.mktemp("flow")
    write_random_flow(d, size="tiny", vocab_size=TINY_VOCAB, seed=0)
    return d


@pytest.fixture(scope="session")
def tiny_flow(tiny_flow_dir):
    from glmtts_desktop.engine.flow import load_flow

    return load_flow(tiny_flow_dir, device="cpu", dtype=torch.float32)


@pytest.fixture(scope="session")
def vocoder_root(tmp_path_factory) -> Path:
    """A model folder holding only tiny hift/ and vocos2d/."""
    from glmtts_desktop.engine.vocoder import write_random_hift, write_random_vocos

    root = tmp_path_factory.mktemp("voc")
    write_random_hift(root / "hift", size="tiny", seed=1)
    write_random_vocos(root / "vocos2d", size="tiny", seed=2)
    return root
