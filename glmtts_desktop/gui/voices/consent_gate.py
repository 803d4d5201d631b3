"""Before a generation: may this voice speak? Asked once per voice, refused after a withdrawal.

The rule itself is the studio's (``studio.consent.check_may_generate``); this is the GUI's half:
turn "no record" into one clear question (add a record / I may use it / cancel), remember the
answer for the session, and keep Generate disabled with an explanation while the voice on
screen has withdrawn consent.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

import numpy as np

from glmtts_desktop.gui.i18n import tr
from glmtts_desktop.gui.voices import ask
from glmtts_desktop.library import Voice
from glmtts_desktop.studio import ConsentRequiredError, ConsentRevokedError, check_may_generate

if TYPE_CHECKING:  # pragma: no cover
    from glmtts_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)

MSG_ASK_DETAIL = "Only clone a voice with the speaker's permission, or with the family's for someone who has died. You will not be asked again for this voice today."  # noqa: E501


def clip_key(audio: np.ndarray, sr: int) -> str:
    data = np.ascontiguousarray(audio, dtype=np.float32)
    return "clip:" + hashlib.sha256(data.tobytes() + str(int(sr)).encode()).hexdigest()


class ConsentGate:
    def __init__(self, window: MainWindow) -> None:
        self.w = window
        self.acknowledged: set[str] = set()
        self.asked = 0  # how many times the question was shown (tests, diagnostics)

    def _voice(self, vid: str | None) -> Voice | None:
        if not vid:
            return None
        return self.w.voices_view.voice(vid) or self.w.store.studio.get_voice(vid)

    def revoked_reason(self) -> str:
        """Why Generate is off for the voice on screen ("" when it is allowed)."""
        v = self.w.voices_view.voice(self.w.voice_panel.voice_id)
        if v is not None and v.consent is not None and v.consent.revoked_at is not None:
            return tr(
                "Consent for “{name}” was withdrawn on {date}: no new speech with this voice. Its history stays.",  # noqa: E501
                name=v.name,
                date=str(v.consent.revoked_at)[:10],
            )
        return ""

    def update_generate(self) -> None:
        self.w.generate_panel.set_blocked(self.revoked_reason())

    def allow(self, voice_id: str | None, audio: np.ndarray, sr: int, name: str) -> bool:
        """True when generating may start; otherwise the person was told why (or said no)."""
        voice = self._voice(voice_id)
        key = f"voice:{voice_id}" if voice_id else clip_key(audio, sr)
        try:
            check_may_generate(voice, name, acknowledged=key in self.acknowledged)
            return True
        except ConsentRevokedError as exc:
            self.w.show_error(exc)
            self.update_generate()
            return False
        except ConsentRequiredError:
            pass
        self.asked += 1
        choices = [("continue", tr("I may use this voice — continue")), ("cancel", tr("Cancel"))]
        if voice is not None:
            choices.insert(0, ("record", tr("Add a consent record…")))
        answer = ask.ask_choice(
            self.w,
            tr("Consent for this voice"),
            tr("There is no consent record for the voice “{name}”.", name=name),
            choices,
            detail=tr(MSG_ASK_DETAIL),
        )
        if answer == "continue":
            self.acknowledged.add(key)
            return True
        if answer == "record" and voice is not None:

            def recorded(_voice: Voice) -> None:
                self.w.session.generate()  # the person asked to generate; now they may

            self.w.voices_view.edit_consent(voice, then=recorded)
        return False
