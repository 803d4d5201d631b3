"""Fixtures for the speech-LLM tests: tiny checkpoints on disk and a toy special-token table."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from glmtts_desktop.engine.llm import LlmConfig, SpeechLM, write_random_llm
from glmtts_desktop.engine.llm.loading import save_llm

VOCAB = 300
# A toy vocabulary laid out like the real one: text ids, then specials, then the audio block.
SPECIAL = SimpleNamespace(eoa=5, boa=6, ats=40, n_audio_tokens=250)


@pytest.fixture(scope="session")
def special() -> SimpleNamespace:
    return SPECIAL


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory) -> Path:
    """A tiny checkpoint written by write_random_llm (std 0.02, one shard + index)."""
    d = tmp_path_factory.mktemp("llm_tiny") / "llm"
    write_random_llm(d, size="tiny", vocab_size=VOCAB, seed=1)
    return d


@pytest.fixture(scope="session")
def lively_dir(tmp_path_factory) -> Path:
    """A tiny checkpoint with large weights, split into several shards.

    With std 0.02 a tiny random model is nearly uniform and greedy decoding repeats one id;
    std 1.0 gives peaked, varied distributions, so token-by-token comparisons mean something.
    """
    d = tmp_path_factory.mktemp("llm_lively") / "llm"
    model = SpeechLM(LlmConfig.tiny(VOCAB))
    model.init_weights(torch.Generator().manual_seed(3), std=1.0)
    save_llm(model, d, max_shard_bytes=100_000)
    return d


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny models gain nothing from intra-op threads, and on a busy 2-core machine spinning
    worker threads make them 20x slower; restore the setting for other test areas."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
