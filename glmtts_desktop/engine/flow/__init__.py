"""Flow matching: speech tokens -> 80-bin log-mel at 50 fps (our DiT, checkpoint-compatible).

``load_flow(flow_dir, device=..., dtype=...)`` reads the official ``config.yaml`` as plain data
and ``flow.pt`` with ``weights_only=True``; ``FlowModel.synthesize`` is the offline sampler.
"""

from glmtts_desktop.engine.flow.checkpoint import build_flow, load_flow, write_random_flow
from glmtts_desktop.engine.flow.config import FlowConfig
from glmtts_desktop.engine.flow.model import FlowModel, flow_frames, time_grid

__all__ = [
    "FlowConfig",
    "FlowModel",
    "build_flow",
    "flow_frames",
    "load_flow",
    "time_grid",
    "write_random_flow",
]
