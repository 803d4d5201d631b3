"""The WhisperVQ encoder against transformers' Whisper encoder layers, and the token path."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

transformers = pytest.importorskip("transformers")
from transformers import WhisperConfig  # noqa: E402
from transformers.models.whisper.modeling_whisper import WhisperEncoder  # noqa: E402

from glmtts_desktop.engine.frontend import load_speech_tokenizer, whisper_log_mel  # noqa: E402
from glmtts_desktop.engine.frontend.whisper_vq_model import WhisperVQEncoder  # noqa: E402


def _hf_encoder(cfg, state, n_layers: int) -> WhisperEncoder:
    hf_cfg = WhisperConfig(
        d_model=cfg.d_model,
        encoder_layers=n_layers,
        encoder_attention_heads=cfg.encoder_attention_heads,
        encoder_ffn_dim=cfg.encoder_ffn_dim,
        num_mel_bins=cfg.num_mel_bins,
        max_source_positions=cfg.max_source_positions,
        activation_function="gelu",
        dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
    )
    hf_cfg._attn_implementation = "eager"
    enc = WhisperEncoder(hf_cfg).eval()
    missing, unexpected = enc.load_state_dict(
        {k: v.float() for k, v in state.items() if k != "codebook.weight"}, strict=False
    )
    assert set(missing) == {"layer_norm.weight", "layer_norm.bias"} and not unexpected
    return enc


@pytest.fixture(scope="module")
def tok(tiny_tokenizer_dir):
    return load_speech_tokenizer(tiny_tokenizer_dir, device="cpu", dtype=torch.float32)


def _pool(x: torch.Tensor, k: int) -> torch.Tensor:
    return torch.nn.functional.avg_pool1d(x.transpose(1, 2), k).transpose(1, 2)


def test_full_attention_matches_hf_encoder(tok):
    """A full 30 s piece (HF insists on max_source_positions frames), bidirectional attention."""
    cfg = replace(tok.config, quantize_causal_block_size=None)
    ours = WhisperVQEncoder(cfg).eval()
    ours.load_state_dict(tok.encoder.state_dict())
    hf = _hf_encoder(cfg, tok.encoder.state_dict(), cfg.n_layers)
    captured = {}
    hf.layers[-1].register_forward_hook(
        lambda m, i, o: captured.__setitem__("h", o[0] if isinstance(o, tuple) else o)
    )
    audio = np.random.default_rng(0).standard_normal(tok.features.n_samples).astype(np.float32) * 0.1
    feats, mask = whisper_log_mel(audio, tok.features)
    with torch.no_grad():
        hf(feats)
        mine, _ = ours.hidden(feats, mask)
    expect = _pool(captured["h"], cfg.pool)
    err = (mine - expect).abs().max().item()
    assert mine.shape == expect.shape == (1, cfg.max_source_positions // cfg.pool, cfg.d_model)
    print("max abs err", err)
    assert err < 1e-4, err


def _official_style_mask(frame_mask: torch.Tensor, block: int) -> torch.Tensor:
    """Additive mask as the reference builds it: (tril | block diagonal) & key mask, else finfo.min."""
    t = frame_mask.shape[1]
    tril = torch.tril(torch.ones(t, t, dtype=torch.bool))
    blocks = torch.block_diag(
        *[torch.ones(min(block, t - s), min(block, t - s), dtype=torch.bool) for s in range(0, t, block)]
    )
    allowed = (tril | blocks)[None] & frame_mask.bool()[:, None, :]
    return ((1.0 - allowed.float()) * torch.finfo(torch.float32).min)[:, None]


def test_block_causal_and_padding_match_hf_layers(tok):
    """Padded input, block-causal mask (block 200 at 50 Hz): HF layers fed the reference's mask."""
    cfg = tok.config
    assert cfg.quantize_causal_block_size == 200
    hf = _hf_encoder(cfg, tok.encoder.state_dict(), cfg.n_layers)
    audio = np.random.default_rng(1).standard_normal(16000 * 11 + 321).astype(np.float32) * 0.2
    feats, mask = whisper_log_mel(audio, tok.features, pad_to_length=16000 * 12)
    with torch.no_grad():
        x = torch.nn.functional.gelu(hf.conv1(feats))
        x = torch.nn.functional.gelu(hf.conv2(x)).transpose(1, 2)
        x = x + hf.embed_positions.weight[: x.shape[1]]
        m50 = mask[:, ::2]
        additive = _official_style_mask(m50, cfg.quantize_causal_block_size)
        for layer in hf.layers:
            out = layer(x, additive)
            x = out[0] if isinstance(out, tuple) else out
        expect = _pool(x, cfg.pool)
        mine, id_mask = tok.encoder.hidden(feats, mask)
    err = (mine - expect).abs().max().item()
    print("max abs err", err)
    assert err < 1e-4, err
    assert int(id_mask.sum()) == math.ceil((16000 * 11 + 321) / 640)
    # the block structure matters: without it the result is different
    full = WhisperVQEncoder(replace(cfg, quantize_causal_block_size=None)).eval()
    full.load_state_dict(tok.encoder.state_dict())
    with torch.no_grad():
        bidir, _ = full.hidden(feats, mask)
    assert (bidir - expect).abs().max().item() > 1e-3


def test_ids_are_nearest_codes(tok):
    audio = np.random.default_rng(2).standard_normal(16000 * 4).astype(np.float32) * 0.3
    feats, mask = whisper_log_mel(audio, tok.features)
    with torch.no_grad():
        h, _ = tok.encoder.hidden(feats, mask)
        ids, _ = tok.encoder(feats, mask)
        dist = torch.cdist(h[0].double(), tok.encoder.codebook.weight.double())
    np.testing.assert_array_equal(ids[0].numpy(), dist.argmin(dim=1).numpy())


def test_ties_pick_first_index(tok):
    enc = WhisperVQEncoder(tok.config).eval()
    enc.load_state_dict(tok.encoder.state_dict())
    with torch.no_grad():
        book = enc.codebook.weight
        book[7] = book[3]  # duplicate row: index 3 must win
        h = book[3].clone().reshape(1, 1, -1)
        assert enc.quantize(h).item() == 3


@pytest.mark.parametrize("n", [1, 639, 640, 641, 16000 * 5 + 7, 480000, 480001])
def test_token_count_is_ceil_per_piece(tok, n):
    audio = (np.random.default_rng(n).standard_normal(n) * 0.1).astype(np.float32)
    ids = tok.tokenize(audio)
    pieces = [min(480000, n - s) for s in range(0, n, 480000)]
    assert ids.dtype == np.int64
    assert ids.shape == (sum(math.ceil(p / 640) for p in pieces),)
    assert ids.min() >= 0 and ids.max() < tok.codebook_size


def test_tokenize_is_deterministic_and_input_dependent(tok, make_voice):
    a = make_voice(3.0, 16000, 120.0, 0)
    b = make_voice(3.0, 16000, 230.0, 1)
    ta, tb = tok.tokenize(a), tok.tokenize(b)
    np.testing.assert_array_equal(ta, tok.tokenize(a.copy()))
    assert (ta != tb).any()


def test_last_piece_padded_like_a_batch(tok):
    """The reference pads the last 30 s piece to the longest piece of its batch."""
    n = 480000 + 16000 * 2 + 17
    audio = (np.random.default_rng(9).standard_normal(n) * 0.1).astype(np.float32)
    ids = tok.tokenize(audio)
    feats, mask = whisper_log_mel([audio[:480000], audio[480000:]], tok.features)
    with torch.no_grad():
        ref_ids, ref_mask = tok.encoder(feats, mask)
    expect = np.concatenate([ref_ids[i][ref_mask[i].bool()].numpy() for i in range(2)])
    np.testing.assert_array_equal(ids, expect)
