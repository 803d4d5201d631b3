"""The 192-d speaker embedding of a prompt, from the CAM++ ONNX model (spec §5).

The official frontend feeds 80-bin Kaldi fbank features with the per-utterance mean removed to
``frontend/campplus.onnx`` through ONNX Runtime (full graph optimisation, one intra-op
thread). We do the same; the flow L2-normalises the vector, so only its direction matters
downstream, but we return the raw values so cached voices stay comparable with the reference.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
import torchaudio.compliance.kaldi as kaldi

from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.engine.frontend._audio_checks import as_mono_float32
from glmtts_desktop.i18n import N_, tr

log = logging.getLogger(__name__)

EMBEDDING_DIM = 192
FBANK_BINS = 80
SAMPLE_RATE = 16000
_MIN_SAMPLES = 400  # one 25 ms Kaldi frame
CAMPPLUS_LOCATIONS = ("frontend/campplus.onnx", "campplus.onnx")


def find_campplus(model_dir: Path) -> Path:
    """The CAM++ model inside ``model_dir``: ``frontend/campplus.onnx`` or ``campplus.onnx``."""
    model_dir = Path(model_dir)
    candidates = [model_dir / rel for rel in CAMPPLUS_LOCATIONS]
    for path in candidates:
        if path.is_file():
            return path
    raise MissingWeightsError(
        tr(
            "The speaker model campplus.onnx is missing: looked for {candidates} and {candidates2}.",
            candidates=candidates[0],
            candidates2=candidates[1],
        ),
        hint=(
            tr(
                "It is not part of the Hugging Face download: get frontend/campplus.onnx from the "
                "GLM-TTS GitHub repository (github.com/zai-org/GLM-TTS) or CosyVoice's campplus.onnx "
                "(the same CAM++ model) and put it in the model folder's frontend/ folder."
            )
        ),
    )


def kaldi_fbank(audio_16k: np.ndarray) -> np.ndarray:
    """(1 + (N - 400) // 160, 80) float32 Kaldi fbank, mean over frames removed.

    Official settings: 80 bins, no dither, 16 kHz, other Kaldi defaults (25 ms Povey window,
    10 ms shift, snip_edges, pre-emphasis 0.97, DC removal, log). The waveform stays in
    [-1, 1] (not scaled to int16), as in the reference.
    """
    arr = as_mono_float32(audio_16k, what=N_("reference audio"), min_samples=_MIN_SAMPLES)
    with torch.inference_mode():
        wave = torch.from_numpy(arr)[None, :]
        feat = kaldi.fbank(wave, num_mel_bins=FBANK_BINS, dither=0.0, sample_frequency=SAMPLE_RATE)
        feat = feat - feat.mean(dim=0, keepdim=True)
    return feat.numpy().astype(np.float32, copy=False)


class SpeakerEncoder:
    """ONNX Runtime session around a CAM++-compatible graph: [1, T, 80] -> 192 values."""

    def __init__(self, onnx_path: Path, *, prefer_cuda: bool = False) -> None:
        import onnxruntime as ort  # imported here so importing the engine stays light

        self.path = Path(onnx_path)
        if not self.path.is_file():
            raise MissingWeightsError(
                tr("The speaker model is missing: {path}", path=self.path),
                hint=tr("Put campplus.onnx in the model folder's frontend/ folder."),
            )
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = 1
        providers = ["CPUExecutionProvider"]
        if prefer_cuda and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        elif prefer_cuda:
            log.info("CUDAExecutionProvider not available in this onnxruntime; using the CPU")
        try:
            self.session = ort.InferenceSession(str(self.path), sess_options=opts, providers=providers)
        except Exception as exc:  # onnxruntime raises its own pybind exception types
            raise CorruptWeightsError(
                tr("The speaker model cannot be loaded: {path}", path=self.path),
                hint=tr("The file is damaged; download campplus.onnx again."),
                detail=str(exc),
            ) from exc
        inputs = self.session.get_inputs()
        shape = inputs[0].shape if inputs else []
        if len(shape) != 3 or (isinstance(shape[2], int) and shape[2] != FBANK_BINS):
            raise CorruptWeightsError(
                tr("The speaker model has an unexpected input {shape}: {path}", shape=shape, path=self.path),
                hint=tr("This is not a CAM++ speaker model; use campplus.onnx."),
            )
        self.input_name = inputs[0].name
        self.provider = self.session.get_providers()[0]
        log.info("speaker model %s on %s", self.path.name, self.provider)

    def embed(self, audio_16k: np.ndarray) -> np.ndarray:
        """Raw (un-normalised) (192,) float32 embedding of 16 kHz mono audio (>= 400 samples)."""
        feat = kaldi_fbank(audio_16k)
        out = self.session.run(None, {self.input_name: feat[None, :, :]})[0]
        flat = np.asarray(out, dtype=np.float32).reshape(-1)
        if flat.shape[0] != EMBEDDING_DIM:
            raise CorruptWeightsError(
                tr(
                    "The speaker model returned {shape} values instead of {EMBEDDING_DIM}: {path}",
                    shape=flat.shape[0],
                    EMBEDDING_DIM=EMBEDDING_DIM,
                    path=self.path,
                ),
                hint=tr("This is not the CAM++ speaker model; use campplus.onnx."),
            )
        return flat.copy()
