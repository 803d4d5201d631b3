"""32 kHz: the TorchScript calling convention, our dev generator, and load_vocoder's errors."""

from __future__ import annotations

import math
import warnings

import pytest
import torch

from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.engine.vocoder import MEL_LOGDIFF, load_vocoder, write_random_vocos
from glmtts_desktop.errors import InvalidInputError


def test_mel_logdiff_is_minus_ln_2560():
    assert MEL_LOGDIFF == pytest.approx(-7.847762537473608, abs=1e-15)
    assert MEL_LOGDIFF == -math.log(2560)


@pytest.mark.parametrize("frames", [2, 5, 40])
def test_dev_generator_round_trip(vocoder_root, frames):
    voc = load_vocoder(vocoder_root, 32000)
    assert (voc.sample_rate, voc.hop_length) == (32000, 640)
    wav = voc(torch.randn(1, 80, frames) - 5)
    assert wav.shape == (1, 640 * frames) and wav.dtype == torch.float32
    assert torch.isfinite(wav).all()


def test_dev_generator_is_deterministic_and_depends_on_the_mel(vocoder_root):
    voc = load_vocoder(vocoder_root, 32000)
    mel = torch.randn(1, 80, 6) - 5
    a, b = voc(mel), voc(mel.clone())
    assert torch.equal(a, b)
    assert not torch.allclose(a, voc(mel + 1.0))


def test_single_frame_is_doubled_as_released(vocoder_root):
    voc = load_vocoder(vocoder_root, 32000)
    mel = torch.randn(1, 80, 1)
    assert torch.equal(voc(mel), voc(torch.cat((mel, mel), -1)))
    assert voc(mel).shape == (1, 1280)


class _Echo(torch.nn.Module):
    """A stand-in archive that returns its input, to see exactly what the wrapper passes in."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], -1)


def test_calling_convention(tmp_path):
    (tmp_path / "vocos2d").mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(_Echo()), str(tmp_path / "vocos2d" / "generator_jit.ckpt"))
    voc = load_vocoder(tmp_path, 32000)
    mel = torch.randn(1, 80, 3)
    out = voc(mel)
    expected = (mel.transpose(1, 2) + MEL_LOGDIFF).reshape(1, -1)  # (B, T, 80) input, offset added
    assert torch.allclose(out, expected)


def test_full_size_is_close_to_the_official_file(tmp_path):
    write_random_vocos(tmp_path, size="full", seed=0)
    size = (tmp_path / "generator_jit.ckpt").stat().st_size
    assert 45e6 < size < 75e6


def test_tiny_file_is_small(vocoder_root):
    assert (vocoder_root / "vocos2d" / "generator_jit.ckpt").stat().st_size < 1_000_000


def test_broken_archive(tmp_path, vocoder_root):
    (tmp_path / "vocos2d").mkdir()
    data = (vocoder_root / "vocos2d" / "generator_jit.ckpt").read_bytes()
    (tmp_path / "vocos2d" / "generator_jit.ckpt").write_bytes(data[: len(data) // 3])
    with pytest.raises(CorruptWeightsError, match="generator_jit.ckpt"):
        load_vocoder(tmp_path, 32000)
    (tmp_path / "vocos2d" / "generator_jit.ckpt").write_bytes(b"not an archive")
    with pytest.raises(CorruptWeightsError):
        load_vocoder(tmp_path, 32000)


def test_missing_files_name_the_download_option(tmp_path):
    with pytest.raises(MissingWeightsError) as info:
        load_vocoder(tmp_path, 32000)
    assert "vocos2d/generator_jit.ckpt" in info.value.message.replace("\\", "/")
    assert "32 kHz" in info.value.hint
    with pytest.raises(MissingWeightsError) as info:
        load_vocoder(tmp_path, 24000)
    assert "hift/hift.pt" in info.value.message.replace("\\", "/")
    assert "24 kHz" in info.value.hint


def test_unsupported_rate(vocoder_root):
    with pytest.raises(InvalidInputError, match="22050"):
        load_vocoder(vocoder_root, 22050)
