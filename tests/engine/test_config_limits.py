"""Absurd config values are refused, naming the file and the field, before anything is
allocated (issue 11 item 9)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from glmtts_desktop.cli import main
from glmtts_desktop.engine.errors import CorruptWeightsError
from tests.cli.cli_helpers import assert_one_error_line
from tests.cli.test_engine_commands import synth_args


@pytest.fixture
def ckpt(tiny_checkpoint, tmp_path) -> Path:
    dst = tmp_path / "ckpt"
    shutil.copytree(tiny_checkpoint, dst)
    return dst


def _edit_json(path: Path, **values) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(values)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_an_absurd_max_position_embeddings_is_one_error_line(ckpt, reference_wav, tmp_path, capsys):
    _edit_json(ckpt / "llm" / "config.json", max_position_embeddings=2**40)
    assert main(synth_args(ckpt, reference_wav, tmp_path / "o.wav")) == 3
    line = assert_one_error_line(capsys.readouterr().err)
    assert "config.json" in line and "max_position_embeddings" in line


@pytest.mark.parametrize(
    "values, field",
    [
        ({"vocab_size": 10**12}, "vocab_size"),
        ({"num_hidden_layers": 10**6}, "num_hidden_layers"),
        ({"rope_theta": float("inf")}, "rope_theta"),
        # every field in range, the product not: 16384 wide, 256 layers, a million words
        (
            {
                "hidden_size": 16384,
                "intermediate_size": 65536,
                "num_hidden_layers": 256,
                "num_attention_heads": 128,
                "num_key_value_heads": 128,
                "head_dim": 128,
                "vocab_size": 1 << 20,
            },
            "billion parameters",
        ),
    ],
)
def test_llm_config_values_are_range_checked(ckpt, values, field):
    import torch

    from glmtts_desktop.engine.llm import load_llm

    _edit_json(ckpt / "llm" / "config.json", **values)
    with pytest.raises(CorruptWeightsError) as info:
        load_llm(ckpt / "llm", device=torch.device("cpu"), dtype=torch.float32)
    assert field in info.value.user_text() and "config.json" in info.value.user_text()


@pytest.mark.parametrize("line", ["vocab_size: 1000000000000", "trans_dim: 100000000", "depth: 100000"])
def test_flow_config_values_are_range_checked(ckpt, line):
    from glmtts_desktop.engine.flow import load_flow

    path = ckpt / "flow" / "config.yaml"
    key = line.split(":")[0]
    text = "\n".join(
        f"    {line}" if row.strip().startswith(key + ":") else row
        for row in path.read_text(encoding="utf-8").splitlines()
    )
    if f"    {line}" not in text:
        text += f"\n    {line}\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CorruptWeightsError) as info:
        load_flow(ckpt / "flow")
    assert key in info.value.user_text() and "config.yaml" in info.value.user_text()


@pytest.mark.parametrize(
    "file, values, field",
    [
        ("config.json", {"max_source_positions": 10**9}, "max_source_positions"),
        ("config.json", {"quantize_vocab_size": 10**12}, "quantize_vocab_size"),
        ("preprocessor_config.json", {"n_fft": 10**9}, "n_fft"),
        ("preprocessor_config.json", {"chunk_length": 10**7}, "chunk_length"),
    ],
)
def test_speech_tokenizer_config_values_are_range_checked(ckpt, file, values, field):
    from glmtts_desktop.engine.frontend import load_speech_tokenizer

    _edit_json(ckpt / "speech_tokenizer" / file, **values)
    with pytest.raises(CorruptWeightsError) as info:
        load_speech_tokenizer(ckpt / "speech_tokenizer")
    assert field in info.value.user_text() and file in info.value.user_text()
