"""A random-weight stand-in for campplus.onnx, for tests and benchmarks.

The real file is not redistributed with the model download, and tests must not need it. This
is our own small x-vector-style network (dilated 1-D convolutions with BatchNorm and ReLU,
mean+std statistics pooling, two linear layers to 192), exported with a dynamic time axis so it
exercises the same ONNX Runtime path as CAM++: input [1, T, 80], output [1, 192]. The "full"
size has about as many parameters as CAM++ (~7 M) so timings are representative.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import torch
from torch import nn

log = logging.getLogger(__name__)

_SIZES = {  # channels, residual blocks, pooled channels, hidden
    "tiny": (32, 2, 64, 32),
    "full": (512, 6, 1536, 512),
}


class _Block(nn.Module):
    def __init__(self, channels: int, dilation: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 3, padding=dilation, dilation=dilation)
        self.norm = nn.BatchNorm1d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + torch.relu(self.norm(self.conv(x)))


class SpeakerNet(nn.Module):
    """fbank [B, T, 80] -> embedding [B, 192]."""

    def __init__(
        self, channels: int, blocks: int, pooled: int, hidden: int, n_mels: int = 80, dim: int = 192
    ):
        super().__init__()
        self.front = nn.Sequential(
            nn.Conv1d(n_mels, channels, 5, padding=2), nn.BatchNorm1d(channels), nn.ReLU()
        )
        self.blocks = nn.Sequential(*[_Block(channels, 1 + i % 3) for i in range(blocks)])
        self.expand = nn.Sequential(nn.Conv1d(channels, pooled, 1), nn.BatchNorm1d(pooled), nn.ReLU())
        self.head = nn.Sequential(
            nn.Linear(2 * pooled, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, dim)
        )

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        x = self.expand(self.blocks(self.front(feats.transpose(1, 2))))
        mean = x.mean(dim=2)
        std = torch.sqrt(((x - mean.unsqueeze(2)) ** 2).mean(dim=2) + 1e-5)
        return self.head(torch.cat([mean, std], dim=1))


def build_speaker_net(size: str, seed: int) -> SpeakerNet:
    if size not in _SIZES:
        raise ValueError(f"size must be one of {sorted(_SIZES)}, not {size!r}")
    with torch.random.fork_rng(devices=[]):  # leave the caller's RNG stream untouched
        torch.manual_seed(seed)
        net = SpeakerNet(*_SIZES[size])
        for m in net.modules():
            if isinstance(m, (nn.BatchNorm1d,)):
                assert m.running_mean is not None and m.running_var is not None  # track_running_stats
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.normal_(0.0, 0.1)
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 2.0)
    return net.eval()


def write_random_campplus(path: Path, *, size: str = "tiny", seed: int = 0) -> None:
    """Export a random SpeakerNet to ONNX at ``path`` (atomic), input ``feats`` [1, T, 80]."""
    path = Path(path)
    net = build_speaker_net(size, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    example = torch.zeros(1, 200, 80)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            # the legacy exporter: the dynamo one needs onnxscript, which we do not ship
            torch.onnx.export(
                net,
                (example,),
                str(tmp),
                input_names=["feats"],
                output_names=["embedding"],
                dynamic_axes={"feats": {1: "frames"}},
                opset_version=17,
                dynamo=False,
            )
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    n_params = sum(p.numel() for p in net.parameters())
    log.info("random %s speaker model (%d params) written to %s", size, n_params, path)
