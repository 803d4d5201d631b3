"""Which model release made the audio, as a short text for tags and sidecars.

Why: provenance must name the model, not only the app. The weights folder does not say its
own revision, so it comes from the pinned manifest the app downloads and verifies against
(``repo@revision`` per source); a random development checkpoint says so instead.
"""

from __future__ import annotations

import logging

from glmtts_desktop.studio.engine_api import SpeechEngine

log = logging.getLogger(__name__)

RANDOM_CHECKPOINT = "random-dev-checkpoint (speaks noise)"


def model_revision(engine: SpeechEngine) -> str:
    if engine.is_random_checkpoint:
        return RANDOM_CHECKPOINT
    try:
        from glmtts_desktop.models.manifest import load_manifest

        manifest = load_manifest()
    except Exception as exc:  # noqa: BLE001 - provenance must never stop a generation
        log.warning("could not read the model manifest for provenance: %s", exc)
        return "unknown"
    return "; ".join(f"{s.repo_id}@{s.revision or s.default_ref}" for s in manifest.sources.values())
