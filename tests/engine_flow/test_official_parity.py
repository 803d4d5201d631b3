"""Optional: bit-level comparison with the official modules (random weights, small sizes).

Runs only when ``GLMTTS_REFERENCE_SRC`` points at a checkout of github zai-org/GLM-TTS and its
dependencies (x_transformers 1.42.x, einops, einx, scipy) are importable, e.g.
``GLMTTS_REFERENCE_SRC=/path/GLM-TTS PYTHONPATH=/path/extra-site pytest tests/engine_flow``.
Nothing from that checkout is copied here; it is imported at test time.
"""

from __future__ import annotations

import os
import sys

import pytest
import torch

from glmtts_desktop.engine.flow import FlowConfig, build_flow
from glmtts_desktop.engine.vocoder.hift import HiFT, HiftSizes

SRC = os.environ.get("GLMTTS_REFERENCE_SRC")
pytestmark = pytest.mark.skipif(not SRC, reason="GLMTTS_REFERENCE_SRC not set")


@pytest.fixture(scope="module")
def official():
    sys.path.insert(0, SRC)
    try:
        from cosyvoice.hifigan_cosy2.f0_predictor import ConvRNNF0Predictor
        from cosyvoice.hifigan_cosy2.generator import HiFTGenerator
        from flow.dit import DiT
        from flow.flow import Flow
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pytest.skip(f"official code not importable: {exc}")
    finally:
        sys.path.remove(SRC)
    return dict(Flow=Flow, DiT=DiT, HiFTGenerator=HiFTGenerator, F0=ConvRNNF0Predictor)


def test_flow_matches_official(official):
    cfg = FlowConfig.tiny(300)
    torch.manual_seed(0)
    ref = official["Flow"](
        spkr_emb_adaLN=True,
        speech_token_cfg=False,
        remove_spkr_concat_condition=True,
        mel_dim=80,
        mel_framerate=50,
        input_frame_rate=25,
        vocab_size=300,
        speech_token_dim=cfg.text_emb_dim,
        big_model=False,
    )
    ref.estimator = official["DiT"](
        trans_dim=cfg.trans_dim,
        depth=cfg.depth,
        heads=cfg.heads,
        dim_head=cfg.dim_head,
        ff_mult=cfg.ff_mult,
        mel_dim=80,
        text_vocab_size=300,
        text_emb_dim=cfg.text_emb_dim,
        conv_layers=cfg.conv_layers,
        condition_dim=80,
        spkr_emb_adaLN=True,
    )
    ref.eval()
    with torch.no_grad():
        for name, p in ref.named_parameters():
            if "grn" in name:
                p.normal_(0, 0.5)  # zero-initialised; make them matter
    ours = build_flow(cfg, device="meta")
    ours.load_state_dict(ref.state_dict(), strict=True, assign=True)
    g = torch.Generator().manual_seed(1)
    pt, tk = torch.randint(0, 301, (1, 20), generator=g), torch.randint(0, 301, (1, 9), generator=g)
    pm, emb = torch.randn(1, 39, 80, generator=g), torch.randn(1, 192, generator=g)
    torch.manual_seed(5)
    with torch.inference_mode():
        expected, _ = ref.inference_with_cache(tk, pt, pm, emb, n_timesteps=10)
    after_ref = torch.rand(5)
    gen = torch.Generator().manual_seed(5)
    got = ours.synthesize(pt, tk, pm, emb, generator=gen)
    assert torch.equal(torch.rand(5, generator=gen), after_ref)
    assert got.shape == expected.shape == (1, 80, 18)
    assert torch.allclose(got, expected, atol=1e-5)


def test_hift_matches_official_bit_for_bit(official):
    torch.manual_seed(0)
    ref = official["HiFTGenerator"](
        in_channels=80,
        base_channels=32,
        nb_harmonics=8,
        sampling_rate=24000,
        nsf_alpha=0.1,
        nsf_sigma=0.003,
        nsf_voiced_threshold=10,
        upsample_rates=[8, 5, 3],
        upsample_kernel_sizes=[16, 11, 7],
        istft_params={"n_fft": 16, "hop_len": 4},
        resblock_kernel_sizes=[3, 7, 11],
        resblock_dilation_sizes=[[1, 3, 5]] * 3,
        source_resblock_kernel_sizes=[7, 7, 11],
        source_resblock_dilation_sizes=[[1, 3, 5]] * 3,
        lrelu_slope=0.1,
        audio_limit=0.99,
        f0_predictor=official["F0"](num_class=1, in_channels=80, cond_channels=32),
    ).eval()
    with torch.no_grad():
        ref.f0_predictor.classifier.bias.fill_(150.0)  # voiced, so the harmonics are used
    sd = ref.state_dict()
    ours = HiFT(HiftSizes.from_state_dict(sd))
    ours.load_state_dict(sd, strict=True)
    mel = torch.randn(1, 80, 20) - 4
    torch.manual_seed(7)
    with torch.inference_mode():
        expected, _ = ref.inference(mel)
        after_ref = torch.rand(5)  # the global stream after the official call
    gen = torch.Generator().manual_seed(7)
    got = ours.inference(mel, generator=gen)
    assert torch.equal(got, expected)
    assert torch.equal(torch.rand(5, generator=gen), after_ref)  # same random draws consumed
