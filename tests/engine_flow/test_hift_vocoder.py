"""HiFT: official key layout, widths from shapes, 480 samples per frame, clamp, injected noise."""

from __future__ import annotations

import math

import pytest
import torch

from glmtts_desktop.engine.errors import CorruptWeightsError
from glmtts_desktop.engine.vocoder import HiFT, load_hift, load_vocoder
from glmtts_desktop.engine.vocoder.hift import HiftSizes
from glmtts_desktop.engine.vocoder.hift_layers import HarmonicSource, draw_source_noise, fold_weight_norm
from glmtts_desktop.errors import InvalidInputError


def test_full_key_table_on_meta():
    with torch.device("meta"):
        sd = HiFT().state_dict()
    assert len(sd) == 328
    assert sum(v.numel() for v in sd.values()) == 20_821_295
    shapes = {k: tuple(v.shape) for k, v in sd.items()}
    assert shapes["conv_pre.parametrizations.weight.original1"] == (512, 80, 7)
    assert shapes["conv_pre.parametrizations.weight.original0"] == (512, 1, 1)
    assert shapes["ups.0.parametrizations.weight.original1"] == (512, 256, 16)
    assert shapes["ups.0.parametrizations.weight.original0"] == (512, 1, 1)  # g is [in, 1, 1]
    assert shapes["ups.2.parametrizations.weight.original1"] == (128, 64, 7)
    assert shapes["source_downs.0.weight"] == (256, 18, 30)  # plain conv, no weight norm
    assert shapes["source_downs.1.weight"] == (128, 18, 6)
    assert shapes["source_downs.2.weight"] == (64, 18, 1)
    assert shapes["source_resblocks.2.convs1.0.parametrizations.weight.original1"] == (64, 64, 11)
    assert shapes["resblocks.8.convs2.2.parametrizations.weight.original1"] == (64, 64, 11)
    assert shapes["resblocks.0.activations1.0.alpha"] == (256,)
    assert shapes["f0_predictor.condnet.8.parametrizations.weight.original1"] == (512, 512, 3)
    assert shapes["f0_predictor.classifier.weight"] == (1, 512)
    assert shapes["m_source.l_linear.weight"] == (1, 9)
    assert shapes["conv_post.parametrizations.weight.original1"] == (18, 64, 7)
    assert not any(
        k.endswith(".weight") and "parametrizations" not in k and k.startswith(("conv_pre", "ups."))
        for k in shapes
    )


@pytest.fixture(scope="module")
def tiny_hift(vocoder_root):
    return load_hift(vocoder_root / "hift" / "hift.pt")


def test_tiny_widths_come_from_the_file(vocoder_root, tiny_hift):
    assert tiny_hift.sizes == HiftSizes(base_channels=32, f0_channels=32)
    raw = torch.load(vocoder_root / "hift" / "hift.pt", weights_only=True)
    assert len(raw) == 328 and "conv_pre.parametrizations.weight.original0" in raw


@pytest.mark.parametrize("frames", [1, 7, 50])
def test_length_and_bound(tiny_hift, frames):
    wav = tiny_hift.inference(torch.randn(1, 80, frames) - 3, generator=torch.Generator().manual_seed(0))
    assert wav.shape == (1, 480 * frames)
    assert torch.isfinite(wav).all() and wav.abs().max() <= 0.99


def test_clamp_at_099(vocoder_root):
    model = load_hift(vocoder_root / "hift" / "hift.pt")
    with torch.no_grad():
        model.conv_post.bias[:9] = 6.0  # huge magnitudes
    wav = model.inference(torch.randn(1, 80, 10), generator=torch.Generator().manual_seed(0))
    assert wav.abs().max().item() == pytest.approx(0.99)


def test_generator_and_injected_noise_agree(tiny_hift):
    mel = torch.randn(1, 80, 12) - 3
    a = tiny_hift.inference(mel, generator=torch.Generator().manual_seed(3))
    phase, noise = draw_source_noise(1, 480 * 12, 9, torch.Generator().manual_seed(3))
    b = tiny_hift.inference(mel, phase=phase, noise=noise.contiguous())
    c = tiny_hift.inference(mel, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    with pytest.raises(InvalidInputError):
        tiny_hift.inference(mel, phase=phase, noise=noise[:, :-1])


def test_folding_weight_norm_keeps_the_output(vocoder_root):
    unfolded = load_hift(vocoder_root / "hift" / "hift.pt", fold=False)
    folded = load_hift(vocoder_root / "hift" / "hift.pt", fold=True)
    assert fold_weight_norm(folded) == 0  # already folded
    mel = torch.randn(1, 80, 9)
    a = unfolded.inference(mel, generator=torch.Generator().manual_seed(1))
    b = folded.inference(mel, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(a, b, atol=1e-6)


def test_source_is_a_sum_of_harmonics_of_f0():
    src = HarmonicSource(24000, 480)
    with torch.no_grad():
        src.l_linear.weight.zero_()
        src.l_linear.weight[0, 0] = 1.0  # keep the fundamental only
        src.l_linear.bias.zero_()
    f0 = torch.full((1, 4800, 1), 300.0)
    out = src(f0, torch.zeros(1, 9), torch.zeros(1, 4800, 9))[0, :, 0]
    n = torch.arange(4800, dtype=torch.float64)
    # voiced, no noise: tanh(0.1·sin(phase)). The phase is summed per frame (ending each frame) and
    # linearly interpolated back (align_corners=False), which leads the sample clock by 240.5 samples.
    expected = torch.tanh(0.1 * torch.sin(2 * math.pi * 300 / 24000 * (n + 240.5))).float()
    assert (out - expected).abs()[480:-480].max() < 1e-4
    unvoiced = src(torch.zeros(1, 480, 1), torch.zeros(1, 9), torch.ones(1, 480, 9))[0, :, 0]
    assert torch.allclose(unvoiced, torch.full((480,), math.tanh(0.1 / 3)), atol=1e-6)


def test_strict_loading_errors(tmp_path, vocoder_root):
    sd = torch.load(vocoder_root / "hift" / "hift.pt", weights_only=True)
    bad = dict(sd)
    bad.pop("resblocks.4.activations2.1.alpha")
    torch.save(bad, tmp_path / "missing.pt")
    with pytest.raises(CorruptWeightsError, match="resblocks.4.activations2.1.alpha"):
        load_hift(tmp_path / "missing.pt")
    bad = dict(sd)
    bad["conv_post.bias"] = torch.zeros(17)
    torch.save(bad, tmp_path / "shape.pt")
    with pytest.raises(CorruptWeightsError, match="conv_post.bias"):
        load_hift(tmp_path / "shape.pt")
    torch.save({"something": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(CorruptWeightsError, match="not a HiFT"):
        load_hift(tmp_path / "other.pt")
    data = (vocoder_root / "hift" / "hift.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[:1000])
    with pytest.raises(CorruptWeightsError):
        load_hift(tmp_path / "cut.pt")


def test_load_vocoder_24k(vocoder_root):
    voc = load_vocoder(vocoder_root, 24000, device="cpu", dtype=torch.bfloat16)
    assert (voc.sample_rate, voc.hop_length) == (24000, 480)
    mel = (torch.randn(80, 6) - 3).to(torch.bfloat16)  # engine dtype in, float32 out
    wav = voc(mel, generator=torch.Generator().manual_seed(0))
    assert wav.shape == (1, 2880) and wav.dtype == torch.float32
    assert voc(torch.zeros(1, 80, 0)).shape == (1, 0)
    with pytest.raises(InvalidInputError):
        voc(torch.zeros(1, 81, 5))
