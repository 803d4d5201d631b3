"""Open a history entry back into the editor: its voice, text, overrides and every setting.

Why: "make this again, but fix one word" starts from exactly what made it. Everything is read in
the background (the studio's ``generation_inputs`` and the voice's audio) and put on screen in
one step, so a half-restored editor is never visible. A voice that is gone says so and leaves
the editor as it was.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from glmtts_desktop.gui.i18n import tr
from glmtts_desktop.studio import (
    Clip,
    GenerationSettings,
    VoiceRef,
    VoiceUnavailableError,
    overrides_from_json,
)

if TYPE_CHECKING:  # pragma: no cover
    from glmtts_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)


def open_entry(window: MainWindow, hid: str) -> None:
    studio = window.store.studio

    def work() -> dict[str, Any]:
        record = studio.get_generation(hid)
        voice: VoiceRef | None
        try:
            voice, text, settings, overrides = studio.generation_inputs(hid)
        except VoiceUnavailableError:
            # entries made before the studio kept unsaved clips: the GUI store kept them
            voice = None
            text = record.text
            settings = GenerationSettings.from_dict({**record.settings, "seed": record.seed or 0})
            overrides = overrides_from_json(record.settings.get("overrides", []))
        out: dict[str, Any] = {"text": text, "settings": settings, "overrides": overrides, "record": record}
        if voice is None:
            audio, sr, transcript = window.store.generation_reference(hid)
            out.update(audio=audio, sr=sr, transcript=transcript, voice_id=None, name=record.voice_name)
        elif isinstance(voice, Clip):
            out.update(audio=voice.samples, sr=voice.sample_rate, transcript=voice.transcript, voice_id=None)
            out["name"] = "" if record.voice_name == "unsaved voice" else record.voice_name
        else:
            saved, audio, sr, _voice_overrides = window.store.load_voice(voice)
            transcript = str(record.settings.get("transcript") or saved.transcript)
            out.update(audio=audio, sr=sr, transcript=transcript, voice_id=voice, name=saved.name)
        return out

    def done(d: dict[str, Any]) -> None:
        v, g = window.voice_panel, window.generate_panel
        v.set_audio(d["audio"], d["sr"], None, voice_id=d["voice_id"])
        v.transcript.setPlainText(d["transcript"])
        v.name.setText(d["name"])
        v.set_voices_current(d["voice_id"])
        window.text_panel.set_text(d["text"])
        window.text_panel.set_overrides(list(d["overrides"]))
        s = d["settings"]
        g.seed.setValue(int(s.seed))
        g.method.setCurrentIndex(max(g.method.findData(s.method), 0))
        g.use_phoneme.setChecked(bool(s.use_phoneme))
        g.prompt_cache.setChecked(bool(s.use_prompt_cache))
        rate = int(s.sample_rate)
        note = ""
        if g.sample_rate.findData(rate) < 0:
            note = " " + tr(
                "It was made at {khz} kHz, which this model folder does not offer.", khz=rate // 1000
            )
        elif g.current_sample_rate() != rate:
            g.sample_rate.setCurrentIndex(g.sample_rate.findData(rate))
            g.sampleRateChanged.emit(rate)
        window.statusBar().showMessage(
            tr("Opened “{title}” in the editor.", title=d["record"].display_title) + note, 8000
        )

    window.background.run(work, done, window.show_error)
