"""Speaker embedding: Kaldi fbank framing, the ONNX round trip, finding campplus.onnx, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError, ReferenceAudioError
from glmtts_desktop.engine.frontend import SpeakerEncoder, find_campplus, kaldi_fbank, write_random_campplus
from glmtts_desktop.engine.frontend.campplus_random import build_speaker_net


@pytest.mark.parametrize("n", [400, 401, 559, 560, 16000, 16000 * 3 + 77])
def test_fbank_frames_snip_edges(n):
    audio = np.random.default_rng(n).standard_normal(n).astype(np.float32) * 0.1
    feat = kaldi_fbank(audio)
    assert feat.shape == (1 + (n - 400) // 160, 80)
    assert feat.dtype == np.float32
    np.testing.assert_allclose(feat.mean(axis=0), 0.0, atol=1e-4)  # per-utterance mean removed


def test_fbank_mean_removal_cancels_gain():
    """Log energies shift by a constant with gain; the per-utterance mean removal cancels it."""
    audio = np.random.default_rng(3).standard_normal(16000).astype(np.float32) * 0.05
    np.testing.assert_allclose(kaldi_fbank(audio * 4.0), kaldi_fbank(audio), atol=2e-3)
    assert np.abs(kaldi_fbank(audio)).max() > 0.01  # not trivially zero


def _official_features(audio: np.ndarray) -> torch.Tensor:
    """The official frontend's CAM++ input, restated: 80-bin Kaldi fbank, no dither, mean removed."""
    import torchaudio.compliance.kaldi as kaldi

    feat = kaldi.fbank(torch.from_numpy(audio)[None], num_mel_bins=80, dither=0.0, sample_frequency=16000)
    return (feat - feat.mean(dim=0, keepdim=True))[None]


def test_embedding_is_the_speaker_network_on_the_official_features(tiny_campplus, make_voice):
    """ONNX Runtime on the exported graph must give what the network itself computes (CPU here)."""
    net = build_speaker_net("tiny", 5)  # the weights tiny_campplus was exported from
    enc = SpeakerEncoder(tiny_campplus, prefer_cuda=False)
    voices = [
        make_voice(3.0, 16000, 110.0, 0),
        make_voice(3.0, 16000, 260.0, 1),
        make_voice(0.3, 16000, 180.0, 2),
    ]
    embeddings = []
    for audio in voices:
        got = enc.embed(audio)
        with torch.no_grad():
            expect = net(_official_features(audio)).numpy().reshape(-1)
        assert got.shape == (192,) and got.dtype == np.float32
        np.testing.assert_allclose(got, expect, atol=1e-4, rtol=1e-4)  # raw values, not normalised
        embeddings.append(got)
    ea, eb = embeddings[0], embeddings[1]
    cos = float(ea @ eb / np.linalg.norm(ea) / np.linalg.norm(eb))
    assert np.abs(ea - eb).max() > 1e-3 and cos < 0.9999  # two voices, two embeddings


def test_cuda_is_asked_for_only_when_preferred_and_available(tiny_campplus, monkeypatch):
    """Which providers the session is built with (the GPU path itself needs a GPU to run)."""
    import onnxruntime as ort

    asked: list[list[str]] = []
    real_session = ort.InferenceSession

    def session(path, sess_options=None, providers=None):
        asked.append(list(providers))
        return real_session(path, sess_options=sess_options, providers=["CPUExecutionProvider"])

    monkeypatch.setattr(ort, "InferenceSession", session)
    monkeypatch.setattr(
        ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    SpeakerEncoder(tiny_campplus, prefer_cuda=True)
    SpeakerEncoder(tiny_campplus, prefer_cuda=False)
    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CPUExecutionProvider"])
    SpeakerEncoder(tiny_campplus, prefer_cuda=True)
    assert asked == [
        ["CUDAExecutionProvider", "CPUExecutionProvider"],  # CPU stays as the fallback
        ["CPUExecutionProvider"],
        ["CPUExecutionProvider"],
    ]


def test_onnx_graph_matches_torch_module(tmp_path):
    path = tmp_path / "c.onnx"
    write_random_campplus(path, size="tiny", seed=11)
    net = build_speaker_net("tiny", 11)
    feats = np.random.default_rng(0).standard_normal((1, 321, 80)).astype(np.float32)
    with torch.no_grad():
        expect = net(torch.from_numpy(feats)).numpy().reshape(-1)
    enc = SpeakerEncoder(path, prefer_cuda=False)
    got = enc.session.run(None, {enc.input_name: feats})[0].reshape(-1)
    np.testing.assert_allclose(got, expect, atol=1e-4, rtol=1e-4)


def test_find_campplus_both_places_and_error(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    with pytest.raises(MissingWeightsError) as info:
        find_campplus(model)
    msg = str(info.value)
    assert str(model / "frontend" / "campplus.onnx") in msg and str(model / "campplus.onnx") in msg
    assert "github" in info.value.hint.lower()
    (model / "campplus.onnx").write_bytes(b"x")
    assert find_campplus(model) == model / "campplus.onnx"
    (model / "frontend").mkdir()
    (model / "frontend" / "campplus.onnx").write_bytes(b"y")
    assert find_campplus(model) == model / "frontend" / "campplus.onnx"


def test_damaged_and_missing_onnx(tmp_path, tiny_campplus):
    bad = tmp_path / "campplus.onnx"
    bad.write_bytes(tiny_campplus.read_bytes()[:1000])
    with pytest.raises(CorruptWeightsError) as info:
        SpeakerEncoder(bad, prefer_cuda=False)
    assert str(bad) in str(info.value)
    with pytest.raises(MissingWeightsError):
        SpeakerEncoder(tmp_path / "absent.onnx", prefer_cuda=False)


def test_short_or_bad_audio(tiny_campplus):
    enc = SpeakerEncoder(tiny_campplus, prefer_cuda=False)
    with pytest.raises(ReferenceAudioError):
        enc.embed(np.zeros(399, dtype=np.float32))
    with pytest.raises(ReferenceAudioError):
        enc.embed(np.full(4000, np.nan, dtype=np.float32))
    with pytest.raises(ReferenceAudioError):
        enc.embed(np.zeros((2, 4000), dtype=np.float32))


def test_full_size_is_campplus_sized():
    net = build_speaker_net("full", 0)
    n = sum(p.numel() for p in net.parameters())
    assert 6_000_000 < n < 8_000_000
