"""The GUI's access to the library package: history entries and saved voices.

Everything here may block on disk, so the window calls it only through the background pool
(the library is thread-safe). One thing the library does not keep is the reference of an
*unsaved* voice; "generate again" needs it, so this adapter stores such clips content-addressed
next to the library (``<root>/../references/<sha256>.wav``) and records the file in the
generation's settings.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from glmtts_desktop.audio import load_audio, save_audio
from glmtts_desktop.engine.types import PronunciationOverride
from glmtts_desktop.gui.errors import GuiInputError
from glmtts_desktop.gui.history import HistoryEntry, SavedVoice
from glmtts_desktop.i18n import tr
from glmtts_desktop.library import Generation, Library
from glmtts_desktop.studio import DuplicatePolicy, Studio
from glmtts_desktop.studio.settings import overrides_from_json, overrides_to_json

log = logging.getLogger(__name__)

HISTORY_LIMIT = 500


def _timestamp(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return time.time()


def _entry(g: Generation) -> HistoryEntry:
    return HistoryEntry(
        id=g.id,
        text=g.text,
        voice_name=g.voice_name,
        seed=int(g.seed or 0),
        created=_timestamp(g.created_at),
        duration=float(g.duration),
        title=g.title or "",
        voice_id=g.voice_id,
        settings=dict(g.settings),
    )


class Store:
    def __init__(self, library: Library, references_dir: Path) -> None:
        self.library = library
        self.references_dir = Path(references_dir)
        self.studio = Studio(library)  # voices, consent, history search, archives (no engine needed)

    @classmethod
    def open(cls, root: Path) -> Store:
        root = Path(root)
        return cls(Library(root), root.parent / "references")

    def close(self) -> None:
        self.library.close()

    # --- history -------------------------------------------------------------------------------
    def list_history(self) -> list[HistoryEntry]:
        return [_entry(g) for g in self.library.list_generations(limit=HISTORY_LIMIT)]

    def search_history(
        self, text: str | None = None, voice_id: str | None = None, since: str | None = None
    ) -> list[HistoryEntry]:
        """The studio's history search, as the GUI's entries (newest first)."""
        found = self.studio.search_history(text, voice_id=voice_id, since=since, limit=HISTORY_LIMIT)
        return [_entry(g) for g in found]

    def get_generation(self, hid: str) -> HistoryEntry:
        return _entry(self.library.get_generation(hid))

    def add_generation(
        self,
        *,
        text: str,
        voice_name: str,
        voice_id: str | None,
        seed: int,
        settings: dict[str, Any],
        audio: np.ndarray,
        sr: int,
        reference: tuple[np.ndarray | None, int, str],
        model_info: dict | None = None,
    ) -> HistoryEntry:
        settings = dict(settings)
        ref_audio, ref_sr, _ = reference
        if voice_id is None and ref_audio is not None:  # no saved voice: keep its reference here
            settings["reference_file"] = str(self._keep_reference(ref_audio, ref_sr))
        g = self.library.add_generation(
            text, voice_id, voice_name, int(seed), settings, audio, int(sr), model_info=model_info
        )
        return _entry(g)

    def generation_audio(self, hid: str) -> tuple[np.ndarray, int]:
        return self.library.load_generation_audio(hid)

    def generation_reference(self, hid: str) -> tuple[np.ndarray, int, str]:
        """The reference audio and transcript that made a generation, for "generate again"."""
        g = self.library.get_generation(hid)
        transcript = str(g.settings.get("transcript", ""))
        if g.voice_id:
            try:
                v = self.library.get_voice(g.voice_id)
                audio, sr = self.library.load_voice_reference(v)
                return audio, sr, transcript or v.transcript
            except Exception:  # noqa: BLE001 - fall back to the kept clip
                log.info("voice %s of generation %s unavailable", g.voice_id, hid)
        ref = g.settings.get("reference_file")
        if not ref or not Path(ref).is_file():
            raise GuiInputError(
                tr("The reference voice of this generation is no longer available."),
                hint=tr("Load a voice and generate from the text instead."),
            )
        clip = load_audio(ref, mono=True)
        return clip.samples, clip.sample_rate, transcript

    def rename_generation(self, hid: str, title: str) -> HistoryEntry:
        return _entry(self.library.rename_generation(hid, title))

    def delete_generation(self, hid: str) -> None:
        self.library.delete_generation(hid)  # soft delete: restorable from the library's trash

    def restore_generation(self, hid: str) -> None:
        """Undo of ``delete_generation``."""
        self.library.restore_generation(hid)

    def _keep_reference(self, audio: np.ndarray, sr: int) -> Path:
        data = np.ascontiguousarray(audio, dtype=np.float32)
        digest = hashlib.sha256(data.tobytes() + str(sr).encode()).hexdigest()[:32]
        path = self.references_dir / f"{digest}.wav"
        if not path.exists():
            self.references_dir.mkdir(parents=True, exist_ok=True)
            save_audio(path, data, sr, format="wav", subtype="FLOAT")
        return path

    # --- voices --------------------------------------------------------------------------------
    def list_voices(self) -> list[SavedVoice]:
        return [SavedVoice(v.id, v.name, v.transcript) for v in self.library.list_voices()]

    def save_voice(
        self,
        name: str,
        audio: np.ndarray,
        sr: int,
        transcript: str,
        overrides: Iterable[PronunciationOverride] = (),
        original: Path | None = None,
        trim: tuple[float, float] | None = None,
        on_duplicate: DuplicatePolicy = "ask",
    ) -> SavedVoice:
        """Keep the selected clip as the voice's reference and the untouched file as its original.
        A voice already in the library (same name or audio) raises DuplicateVoiceError unless
        ``on_duplicate`` says what to do: the window asks."""
        has_original = original is not None and Path(original).is_file()
        v = self.studio.add_voice(
            name,
            np.asarray(audio, dtype=np.float32),
            int(sr),
            transcript,
            original=original if has_original else None,
            trim=trim if has_original else None,
            on_duplicate=on_duplicate,
        )
        items = [o for o in overrides if o.occurrences is None]  # positions belong to a text, not a voice
        if items:
            v = self.library.set_voice_pronunciations(v.id, overrides_to_json(items))
        return SavedVoice(v.id, v.name, v.transcript)

    def load_voice(self, vid: str) -> tuple[SavedVoice, np.ndarray, int, list[PronunciationOverride]]:
        v = self.library.get_voice(vid)
        audio, sr = self.library.load_voice_reference(v)
        return SavedVoice(v.id, v.name, v.transcript), audio, sr, list(overrides_from_json(v.pronunciations))

    def set_voice_overrides(self, vid: str, overrides: Iterable[PronunciationOverride]) -> None:
        items = [PronunciationOverride(o.text, o.replacement, None) for o in overrides]
        self.library.set_voice_pronunciations(vid, overrides_to_json(items))
