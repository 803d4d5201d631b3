"""32 kHz: the TorchScript calling convention, our dev generator, and load_vocoder's errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from glmtts_desktop import codetrust
from glmtts_desktop.codetrust import UntrustedCodeError
from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.engine.vocoder import MEL_LOGDIFF, load_vocoder, write_random_vocos
from glmtts_desktop.errors import InvalidInputError


def _generator_log_mel(audio: np.ndarray, sr: int = 32000, n_fft: int = 2560, hop: int = 640) -> np.ndarray:
    """(frames, 80) log-mel the way the Vocos generator analyses audio: of |STFT| / n_fft.

    Written here in float64 numpy (periodic Hann, reflect padding of (n_fft - hop) / 2, Slaney
    filters 0-8 kHz) so it shares no code with the engine's prompt-mel path.
    """
    import librosa

    pad = (n_fft - hop) // 2
    x = np.pad(audio.astype(np.float64), pad, mode="reflect")
    n_frames = 1 + (len(x) - n_fft) // hop
    frames = np.stack([x[i * hop : i * hop + n_fft] for i in range(n_frames)])
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    magnitude = np.abs(np.fft.rfft(frames * window, axis=1)) / n_fft
    bank = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=80, fmin=0.0, fmax=8000.0, norm="slaney")
    return np.log(magnitude @ bank.T.astype(np.float64))


def test_the_mel_shift_maps_the_flow_mel_onto_the_generators_scale():
    """The flow's mel is of the undivided |STFT|; the generator expects |STFT| / n_fft.

    For the same 32 kHz audio, the prompt mel (the flow's scale) passed through the vocoder's
    input transform must equal the generator's own analysis, frame by frame.
    """
    from glmtts_desktop.engine.frontend import prompt_mel
    from glmtts_desktop.engine.vocoder.vocos import vocos_input

    sr = 32000
    t = np.arange(int(1.5 * sr)) / sr
    rng = np.random.default_rng(0)
    audio = (0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(t.size)).astype(np.float32)
    flow_mel = prompt_mel(audio, sr)  # (frames, 80), natural log
    got = vocos_input(torch.from_numpy(flow_mel.T.copy())[None])[0].numpy()  # (frames, 80)
    expect = _generator_log_mel(audio)
    assert got.shape == expect.shape
    assert expect.min() > np.log(1e-5) - math.log(2560)  # no bin at the floor: the test sees the scale
    np.testing.assert_allclose(got, expect, atol=1e-4, rtol=0)
    assert MEL_LOGDIFF == pytest.approx(-7.847762537473608, abs=1e-12)  # the official file's literal


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
    codetrust.trust_file(tmp_path / "vocos2d" / "generator_jit.ckpt")  # our own archive
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
    with pytest.raises(UntrustedCodeError):  # unknown bytes are not even opened
        load_vocoder(tmp_path, 32000)
    codetrust.trust_file(tmp_path / "vocos2d" / "generator_jit.ckpt")  # trusted but damaged
    with pytest.raises(CorruptWeightsError, match="generator_jit.ckpt"):
        load_vocoder(tmp_path, 32000)
    (tmp_path / "vocos2d" / "generator_jit.ckpt").write_bytes(b"not an archive")
    codetrust.trust_file(tmp_path / "vocos2d" / "generator_jit.ckpt")
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
