"""GLM-TTS inference written here, checkpoint-compatible with the official release.

``from glmtts_desktop.engine import Engine, EngineConfig`` imports torch; the value types in
``engine.types`` and the errors in ``engine.errors`` do not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from glmtts_desktop.engine.errors import *  # noqa: F401,F403
from glmtts_desktop.engine.types import (  # noqa: F401
    CancelToken,
    Progress,
    PronunciationOverride,
    SegmentResult,
    SynthesisRequest,
    SynthesisResult,
    TextSegment,
    VoicePrompt,
)

if TYPE_CHECKING:  # pragma: no cover
    from glmtts_desktop.engine.config import EngineConfig as EngineConfig
    from glmtts_desktop.engine.engine import Engine as Engine


def __getattr__(name: str) -> Any:
    # Lazy so that importing value types never pulls in torch.
    if name == "Engine":
        from glmtts_desktop.engine.engine import Engine

        return Engine
    if name == "EngineConfig":
        from glmtts_desktop.engine.config import EngineConfig

        return EngineConfig
    raise AttributeError(name)
