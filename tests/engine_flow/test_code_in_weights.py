"""Weight files cannot run code: TorchScript only from trusted bytes, pickles weights-only."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import torch

from glmtts_desktop import codetrust
from glmtts_desktop.codetrust import UntrustedCodeError
from glmtts_desktop.engine.flow.weights_io import read_state_dict
from glmtts_desktop.engine.vocoder import load_vocoder


class _Payload(torch.nn.Module):
    """A TorchScript archive whose __setstate__ (run by torch.jit.load) creates a file."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.p = marker
        self.t = torch.zeros(8, dtype=torch.uint8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], -1)

    @torch.jit.export
    def __getstate__(self) -> tuple[str, bool]:
        return (self.p, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[str, bool]) -> None:
        self.p = state[0]
        self.training = state[1]
        self.t = torch.from_file(self.p, shared=True, size=8, dtype=torch.uint8)


def _crafted_folder(root: Path, marker: Path) -> Path:
    (root / "vocos2d").mkdir(parents=True)
    torch.jit.save(torch.jit.script(_Payload(str(marker))), str(root / "vocos2d" / "generator_jit.ckpt"))
    return root


def test_the_payload_really_runs_code_when_loaded_without_the_guard(tmp_path):
    marker = tmp_path / "proof"
    folder = _crafted_folder(tmp_path / "w", marker)
    torch.jit.load(str(folder / "vocos2d" / "generator_jit.ckpt"))
    assert marker.exists()  # so the refusal below is a real protection, not a harmless file


def test_crafted_torchscript_vocoder_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    folder = _crafted_folder(tmp_path / "w", marker)
    with pytest.raises(UntrustedCodeError) as info:
        load_vocoder(folder, 32000)
    assert not marker.exists()
    assert "program code" in info.value.message and "--trust-vocoder" in info.value.hint
    assert info.value.sha256 == codetrust.sha256_file(folder / "vocos2d" / "generator_jit.ckpt")


def test_explicit_trust_is_for_those_exact_bytes(tmp_path):
    marker = tmp_path / "ran"
    folder = _crafted_folder(tmp_path / "w", marker)
    vocos = folder / "vocos2d" / "generator_jit.ckpt"
    codetrust.trust_file(vocos)  # the person's decision (CLI flag / GUI dialog)
    assert codetrust.file_trust(vocos).origin == codetrust.ORIGIN_USER
    load_vocoder(folder, 32000)
    assert marker.exists()  # trusted: it loads (and runs, as TorchScript does)
    marker.unlink()
    with open(vocos, "ab") as fh:  # any change makes it a different, untrusted file
        fh.write(b"\0")
    with pytest.raises(UntrustedCodeError):
        load_vocoder(folder, 32000)
    assert not marker.exists()


def test_dev_generator_is_trusted_but_a_copy_with_one_byte_changed_is_not(vocoder_root, tmp_path):
    assert (
        codetrust.file_trust(vocoder_root / "vocos2d" / "generator_jit.ckpt").origin == codetrust.ORIGIN_DEV
    )
    copy = tmp_path / "copy"
    shutil.copytree(vocoder_root, copy)
    path = copy / "vocos2d" / "generator_jit.ckpt"
    data = bytearray(path.read_bytes())
    data[-30] ^= 0x01  # inside the zip's trailing directory: the archive may or may not still open
    path.write_bytes(bytes(data))
    with pytest.raises(UntrustedCodeError):
        load_vocoder(copy, 32000)


def test_trust_record_lives_outside_any_model_folder(vocoder_root):
    store = codetrust.trust_store_path()
    assert store.is_file()
    assert vocoder_root.resolve() not in store.resolve().parents


# -- pickled checkpoints ------------------------------------------------------------------


def _write_marker(path: str) -> None:  # what a malicious pickle would make torch.load call
    Path(path).write_text("ran")


class TrainConfig:
    """A training script's own config class; its state setter would run on a full unpickle."""

    def __init__(self, lr: float, marker: str) -> None:
        self.lr = lr
        self.marker = marker

    def __setstate__(self, state: dict) -> None:
        Path(state["marker"]).write_text("setstate ran")
        self.__dict__.update(state)


class Callback:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (_write_marker, (self.marker,))


def test_training_checkpoint_with_extra_entries_loads_its_tensors_without_running_anything(tmp_path):
    marker = tmp_path / "marker"
    weights = {"layer.weight": torch.randn(3, 4), "layer.bias": torch.zeros(3)}
    opt = torch.optim.Adam([torch.nn.Parameter(torch.randn(2))], lr=1e-3)
    ckpt = {
        "model": weights,
        "epoch": 12,
        "step": 34567,
        "optimizer": opt.state_dict(),
        "config": TrainConfig(1e-3, str(marker)),
        "callbacks": [Callback(str(marker))],
        "args": {"batch_size": 16, "name": "run-7"},
    }
    path = tmp_path / "flow.pt"
    torch.save(ckpt, path)
    # the file really would run code under a plain unpickle
    torch.load(path, weights_only=False)
    assert marker.exists()
    marker.unlink()

    loaded = read_state_dict(path, what="flow")
    assert not marker.exists()
    assert set(loaded) == set(weights)
    for name, tensor in weights.items():
        assert torch.equal(loaded[name], tensor)
    assert not os.path.exists(marker)
