"""History, export and archive use cases of the Studio.

Why together: they are the ways a generation or a voice leaves (or comes back into) the
library, and each of them must keep the provenance: exports carry the AI label, tags and a
JSON sidecar; archives carry originals, consent and checksums.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from glmtts_desktop.engine.types import PronunciationOverride
from glmtts_desktop.i18n import tr
from glmtts_desktop.library import Generation as GenerationRecord
from glmtts_desktop.library import IntegrityProblem, Library, NotFoundError
from glmtts_desktop.library.archive import ImportReport
from glmtts_desktop.library.progress import CancelCheck
from glmtts_desktop.library.progress import ProgressCallback as TaskProgressCallback
from glmtts_desktop.studio.errors import VoiceUnavailableError
from glmtts_desktop.studio.settings import GenerationSettings, overrides_from_json
from glmtts_desktop.studio.types import Clip, DuplicatePolicy, VoiceRef

log = logging.getLogger(__name__)


class HistoryOps:
    @property
    def library(self) -> Library:  # pragma: no cover - provided by Studio
        raise NotImplementedError

    # -- history ---------------------------------------------------------------------------------
    def search_history(
        self,
        text: str | None = None,
        *,
        voice_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 500,
        offset: int = 0,
        trash: bool = False,
    ) -> list[GenerationRecord]:
        """Newest first. ``text`` matches the text, title or voice name; ``since``/``until`` are
        ISO dates ("2026-05-01") or timestamps; ``trash=True`` searches the trash instead."""
        return self.library.list_generations(
            limit,
            offset,
            text,
            voice_id=voice_id,
            since=since,
            until=until,
            deleted_only=trash,
        )

    def get_generation(self, generation_id: str) -> GenerationRecord:
        return self.library.get_generation(generation_id)

    def generation_audio(self, generation_id: str) -> tuple[np.ndarray, int]:
        return self.library.load_generation_audio(generation_id)

    def rename_generation(self, generation_id: str, title: str | None) -> GenerationRecord:
        return self.library.rename_generation(generation_id, title)

    def delete_generation(self, generation_id: str) -> GenerationRecord:
        """To the trash (restore_generation undoes it)."""
        return self.library.delete_generation(generation_id)

    def restore_generation(self, generation_id: str) -> GenerationRecord:
        return self.library.restore_generation(generation_id)

    def generation_inputs(
        self, generation_id: str
    ) -> tuple[VoiceRef, str, GenerationSettings, tuple[PronunciationOverride, ...]]:
        """(voice, text, settings, overrides) that made a history entry: for "open in editor"
        and ``regenerate``. Raises VoiceUnavailableError when its voice is gone for good."""
        g = self.library.get_generation(generation_id)
        settings = GenerationSettings.from_dict({**g.settings, "seed": g.seed if g.seed is not None else 0})
        overrides = overrides_from_json(g.settings.get("overrides", []))
        voice: VoiceRef
        if g.voice_id is not None:
            voice = g.voice_id
        elif g.settings.get("reference_clip"):
            try:
                samples, sr = self.library.load_clip(str(g.settings["reference_clip"]))
            except NotFoundError as exc:
                raise self._voice_gone(g.voice_name) from exc
            voice = Clip(samples, sr, str(g.settings.get("transcript", "")), g.voice_name)
        else:
            raise self._voice_gone(g.voice_name)
        return voice, g.text, settings, overrides

    @staticmethod
    def _voice_gone(name: str) -> VoiceUnavailableError:
        return VoiceUnavailableError(
            tr("The voice “{name}” of this generation is no longer in the library.", name=name),
            hint=tr("Choose a voice and generate from the text instead."),
        )

    # -- files that leave the app ------------------------------------------------------------------
    def default_export_name(self, generation_id: str, suffix: str = ".wav") -> str:
        """ "<title or voice> <date>.wav", safe as a file name on every system."""
        from glmtts_desktop.library.provenance import default_export_name

        return default_export_name(self.library.get_generation(generation_id), suffix)

    def export_generation(self, generation_id: str, out: str | Path) -> Path:
        """Write the generation to ``out`` (.wav, .flac or .ogg) with embedded provenance tags
        (AI label, voice, date, app version, model revision) and a ``<out>.json`` sidecar."""
        from glmtts_desktop.library.provenance import export_generation

        return export_generation(self.library, self.library.get_generation(generation_id), Path(out))

    # -- archives and integrity --------------------------------------------------------------------
    def export_archive(
        self,
        out: str | Path,
        voice_ids: list[str] | None = None,
        *,
        on_progress: TaskProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> Path:
        """A BagIt archive (a folder, or a zip when ``out`` ends in .zip) of the given voices (all
        when None): originals byte for byte, references, transcripts, consent and evidence,
        their generations with sidecars, checksum manifests and a README (English, Chinese).
        ``on_progress(done, total)`` and ``cancelled()``: see ``library.progress`` (a cancelled
        export leaves nothing under ``out``)."""
        from glmtts_desktop.library.archive import export_archive

        return export_archive(
            self.library, Path(out), voice_ids, on_progress=on_progress, cancelled=cancelled
        )

    def import_archive(
        self,
        path: str | Path,
        *,
        on_duplicate: DuplicatePolicy = "ask",
        on_progress: TaskProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> ImportReport:
        """Verify every checksum, refuse unsafe content, then add the voices and generations.
        ``on_duplicate``: "ask" raises DuplicateVoiceError naming the first voice already
        present (call again with "skip" or "keep_both"). Returns an ImportReport. A cancelled
        import (``cancelled()`` true) leaves the library as it was."""
        from glmtts_desktop.library.archive import import_archive

        return import_archive(
            self.library,
            Path(path),
            on_duplicate=on_duplicate,
            on_progress=on_progress,
            cancelled=cancelled,
        )

    def check_integrity(
        self, *, on_progress: TaskProgressCallback | None = None, cancelled: CancelCheck | None = None
    ) -> list[IntegrityProblem]:
        """Re-hash every catalogued file; an empty list means nothing changed."""
        return self.library.check_integrity(verify_hashes=True, on_progress=on_progress, cancelled=cancelled)
