"""The Voices view: every kept voice as a record (photo, who, relation, language, notes, clips,
consent).

Rename, edit the details, choose a photo, manage the clips (clips_panel.py), record consent,
delete to the trash with Undo, restore or empty the trash. Every library call runs in the background pool; the list is what the library said last,
so it is also what the consent check and the voice picker read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from glmtts_desktop.audio import AudioBackend
from glmtts_desktop.gui.background import Background
from glmtts_desktop.gui.errors import GuiInputError
from glmtts_desktop.gui.i18n import tr, translator
from glmtts_desktop.gui.voices import ask, photo
from glmtts_desktop.gui.voices.clips_panel import ClipsPanel
from glmtts_desktop.gui.voices.consent_dialog import BASES, ConsentDialog
from glmtts_desktop.i18n import N_
from glmtts_desktop.library import Voice
from glmtts_desktop.studio import Studio, consent_state

log = logging.getLogger(__name__)

LANGUAGES = (("", "—"), ("zh", "中文"), ("en", "English"), ("other", N_("Other")))
_BADGE = {"given": "✓", "revoked": "⊘", "missing": "?"}
ICON_PX, PHOTO_PX = 32, 72


def consent_summary(v: Voice) -> str:
    """One line for the details pane: who agreed on what basis, or why there is no consent."""
    state = consent_state(v)
    if state == "missing":
        return tr("No consent record yet.")
    c = v.consent
    assert c is not None
    basis = tr(dict(BASES).get(c.basis, c.basis))
    if state == "revoked":
        return tr(
            "Withdrawn on {date} (was: {basis}, {who}).", date=str(c.revoked_at)[:10], basis=basis, who=c.who
        )
    return tr("{basis}: {who}, {when}, {how}.", basis=basis, who=c.who, when=str(c.when)[:10], how=c.how)


class VoicesView(QWidget):
    voiceChosen = Signal(str)  # "use this voice" in the editor
    defaultClipChanged = Signal(str)  # voice id: new speech with it uses another clip now
    voicesChanged = Signal()  # the list was reloaded (names, consent, trash)
    errorOccurred = Signal(object)
    messageOccurred = Signal(str)

    def __init__(
        self,
        studio: Studio,
        background: Background,
        *,
        backend: AudioBackend | None = None,
        takes_dir: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        t = translator()
        self.setObjectName("voicesView")
        self.studio = studio
        self.background = background
        self.backend = backend
        self.takes_dir = takes_dir
        self._voices: dict[str, Voice] = {}
        self._undo: Callable[[], None] | None = None
        self._refresh_gen = 0  # only the newest listing is shown (two may finish out of order)

        self.trash_toggle = QCheckBox()
        self.trash_toggle.setObjectName("voicesTrashToggle")
        t.bind(self.trash_toggle.setText, "Show the trash")
        self.trash_toggle.toggled.connect(lambda _: self.refresh())
        self.list = QListWidget()
        self.list.setObjectName("voicesList")
        self.list.setIconSize(QSize(ICON_PX, ICON_PX))
        self.list.currentItemChanged.connect(lambda *_: self._show_current())
        self.list.itemDoubleClicked.connect(lambda _: self._use())

        self.name = QLineEdit()
        self.name.setObjectName("voiceName")
        self.speaker = QLineEdit()
        t.bind(self.speaker.setPlaceholderText, "Who is speaking, and who they are to you")
        self.language = QComboBox()
        for code, label in LANGUAGES:
            self.language.addItem(tr(label) if code == "other" else label, code)
        t.languageChanged.connect(lambda _: self._retranslate_languages())
        self.notes = QPlainTextEdit()
        self.notes.setMaximumHeight(60)
        t.bind(
            self.notes.setPlaceholderText, "Notes: where the recording comes from, when, anything to remember"
        )
        self.photo = QLabel()
        self.photo.setObjectName("voicePhoto")
        self.photo.setFixedSize(PHOTO_PX, PHOTO_PX)
        self.photo_buttons: dict[str, QPushButton] = {}
        for key, label, slot in (
            ("set", N_("Photo…"), self._choose_photo),
            ("remove", N_("Remove photo"), self._remove_photo),
        ):
            b = QPushButton()
            b.setObjectName(f"voicePhoto_{key}")
            t.bind(b.setText, label)
            b.clicked.connect(lambda _=False, s=slot: s())
            self.photo_buttons[key] = b
        self.clips = ClipsPanel(studio, background, backend)
        self.clips.errorOccurred.connect(self.errorOccurred.emit)
        self.clips.messageOccurred.connect(self.messageOccurred.emit)
        self.clips.defaultChanged.connect(self._default_changed)
        self.consent_label = QLabel()
        self.consent_label.setObjectName("voiceConsent")
        self.consent_label.setWordWrap(True)

        self.buttons: dict[str, QPushButton] = {}
        for key, label, slot in (
            ("use", N_("Use in editor"), self._use),
            ("save", N_("Save details"), self._save_details),
            ("consent", N_("Consent…"), self._edit_consent),
            ("revoke", N_("Withdraw consent…"), self._revoke),
            ("delete", N_("Move to trash"), self._delete),
            ("restore", N_("Restore"), self._restore),
            ("empty", N_("Empty trash…"), self._empty_trash),
        ):
            b = QPushButton()
            b.setObjectName(f"voice_{key}")
            t.bind(b.setText, label)
            b.clicked.connect(lambda _=False, s=slot: s())
            self.buttons[key] = b

        self.undo_bar = QFrame()
        self.undo_bar.setObjectName("voicesUndoBar")
        self.undo_label = QLabel()
        self.undo_label.setWordWrap(True)
        self.undo_button = QPushButton()
        self.undo_button.setObjectName("voicesUndo")
        t.bind(self.undo_button.setText, "Undo")
        self.undo_button.clicked.connect(self.undo)
        ub = QHBoxLayout(self.undo_bar)
        ub.setContentsMargins(0, 0, 0, 0)
        ub.addWidget(self.undo_label, 1)
        ub.addWidget(self.undo_button)
        self.undo_bar.hide()

        form = QFormLayout()
        for label, widget in (
            (N_("Name"), self.name),
            (N_("Speaker"), self.speaker),
            (N_("Language"), self.language),
            (N_("Notes"), self.notes),
            (N_("Clips"), self.clips),
            (N_("Consent"), self.consent_label),
        ):
            lab = QLabel()
            t.bind(lab.setText, label)
            form.addRow(lab, widget)
        row1 = QHBoxLayout()
        for key in ("use", "save", "consent", "revoke"):
            row1.addWidget(self.buttons[key])
        row2 = QHBoxLayout()
        for key in ("delete", "restore", "empty"):
            row2.addWidget(self.buttons[key])
        row2.addStretch(1)
        row2.addWidget(self.trash_toggle)
        head = QHBoxLayout()
        head.addWidget(self.photo)
        photo_col = QVBoxLayout()
        photo_col.addStretch(1)
        photo_col.addWidget(self.photo_buttons["set"])
        photo_col.addWidget(self.photo_buttons["remove"])
        head.addLayout(photo_col)
        head.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.undo_bar)
        layout.addLayout(head)
        layout.addLayout(form)
        layout.addLayout(row1)
        layout.addLayout(row2)
        self._show_current()

    # --- the list --------------------------------------------------------------------------------
    @property
    def showing_trash(self) -> bool:
        return self.trash_toggle.isChecked()

    def live_voices(self) -> list[Voice]:
        """Every voice not in the trash, by name, as last listed."""
        return list(self._voices.values())

    def voice(self, vid: str | None) -> Voice | None:
        """The record as last listed (None when unknown or in the trash)."""
        return self._voices.get(vid) if vid else None

    def _retranslate_languages(self) -> None:
        """The language list's translated items follow a live switch; the choice stays."""
        for code, label in LANGUAGES:
            if code == "other":
                self.language.setItemText(self.language.findData(code), tr(label))

    def refresh(self, select: str | None = None, then: Callable[[], None] | None = None) -> None:
        trash = self.showing_trash
        current = select or self.current_id()
        self._refresh_gen += 1
        gen = self._refresh_gen

        def work() -> tuple[list[Voice], list[Voice]]:
            live = self.studio.list_voices()
            return live, (self.studio.list_voices(trash=True) if trash else [])

        def done(result: tuple[list[Voice], list[Voice]]) -> None:
            if gen != self._refresh_gen:
                return
            live, trashed = result
            self._voices = {v.id: v for v in live}
            self._fill(trashed if trash else live, current)
            self.voicesChanged.emit()
            if then is not None:
                then()

        self.background.run(work, done, self.errorOccurred.emit)

    def _fill(self, voices: list[Voice], current: str | None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for v in voices:
            state = consent_state(v)
            label = f"{_BADGE[state]}  {v.name}"
            if v.speaker:
                label += f" — {v.speaker}"
            item = QListWidgetItem(label)
            item.setIcon(
                QIcon(photo.voice_pixmap(v.photo_path, v.photo_sha256, v.name, ICON_PX, self.palette()))
            )
            item.setData(Qt.ItemDataRole.UserRole, v.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, v)
            item.setToolTip(consent_summary(v))
            self.list.addItem(item)
        self.list.blockSignals(False)
        row = next((i for i in range(self.list.count()) if self._item_id(i) == current), 0)
        if self.list.count():
            self.list.setCurrentRow(row)
        self._show_current()

    def _item_id(self, row: int) -> str:
        return str(self.list.item(row).data(Qt.ItemDataRole.UserRole))

    def names(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole + 1).name for i in range(self.list.count())]

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def current(self) -> Voice | None:
        item = self.list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole + 1)

    def select(self, vid: str) -> bool:
        for i in range(self.list.count()):
            if self._item_id(i) == vid:
                self.list.setCurrentRow(i)
                return True
        return False

    def _show_current(self) -> None:
        v = self.current()
        trash = self.showing_trash
        live = v is not None and not trash
        for w in (self.name, self.speaker, self.language, self.notes):
            w.setEnabled(live)
        self.buttons["use"].setEnabled(live)
        self.buttons["save"].setEnabled(live)
        self.buttons["consent"].setEnabled(live)
        self.buttons["revoke"].setEnabled(live and v is not None and consent_state(v) == "given")
        self.buttons["delete"].setEnabled(live)
        self.buttons["restore"].setEnabled(v is not None and trash)
        self.buttons["empty"].setEnabled(trash and self.list.count() > 0)
        self.photo_buttons["set"].setEnabled(live)
        self.photo_buttons["remove"].setEnabled(live and v is not None and v.photo_path is not None)
        self.clips.show_voice(v, live=live)
        if v is None:
            for w in (self.name, self.speaker):
                w.clear()
            self.notes.clear()
            self.photo.setPixmap(photo.placeholder("", PHOTO_PX, self.palette()))
            self.consent_label.setText("")
            return
        self.name.setText(v.name)
        self.speaker.setText(v.speaker)
        idx = self.language.findData(v.language or "")
        self.language.setCurrentIndex(max(idx, 0))
        self.notes.setPlainText(v.notes)
        self.photo.setPixmap(
            photo.voice_pixmap(v.photo_path, v.photo_sha256, v.name, PHOTO_PX, self.palette())
        )
        self.photo.setToolTip(tr("Photo of {name}", name=v.name) if v.photo_path else tr("No photo yet"))
        self.consent_label.setText(consent_summary(v))

    # --- actions ---------------------------------------------------------------------------------
    def _run(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.background.run(work, done, self.errorOccurred.emit)

    def _use(self) -> None:
        vid = self.current_id()
        if vid and not self.showing_trash:
            self.voiceChosen.emit(vid)

    def _save_details(self) -> None:
        v = self.current()
        if v is None:
            return
        name = " ".join(self.name.text().split())
        if not name:
            self.name.setText(v.name)
            return
        clash = next(
            (o for o in self._voices.values() if o.id != v.id and o.name.casefold() == name.casefold()), None
        )
        if clash is not None:
            answer = ask.ask_choice(
                self,
                tr("Two voices with one name?"),
                tr("Another voice is already called “{name}”.", name=name),
                [("keep", tr("Use the name anyway")), ("cancel", tr("Cancel"))],
                detail=tr("Two voices with the same name are easy to mix up later."),
            )
            if answer != "keep":
                return
        speaker, language, notes = (
            self.speaker.text(),
            str(self.language.currentData() or ""),
            self.notes.toPlainText(),
        )

        def work() -> Voice:
            s = self.studio
            if name != v.name:
                s.rename_voice(v.id, name)
            if speaker != v.speaker:
                s.library.set_speaker(v.id, speaker)
            if (language or None) != (v.language or None):
                s.library.set_voice_language(v.id, language or None)
            if notes != v.notes:
                s.library.update_notes(v.id, notes)
            return s.get_voice(v.id)

        self._run(work, lambda saved: self.refresh(select=saved.id))

    def _default_changed(self, vid: str) -> None:
        self.defaultClipChanged.emit(vid)
        self.refresh(select=vid)

    def _choose_photo(self) -> None:
        v = self.current()
        if v is None or self.showing_trash:
            return
        path = photo.choose_photo_file(self)
        if path is not None:
            self.set_photo(v.id, path)

    def set_photo(self, vid: str, path: Path) -> None:
        """Decode-check ``path`` here (Qt), then give it to the voice; a bad file changes nothing."""
        try:
            photo.check_photo_file(path)
        except GuiInputError as exc:
            self.errorOccurred.emit(exc)
            return
        self._run(lambda: self.studio.set_photo(vid, path), lambda v: self.refresh(select=v.id))

    def _remove_photo(self) -> None:
        v = self.current()
        if v is not None and v.photo_path is not None and not self.showing_trash:
            self._run(lambda: self.studio.remove_photo(v.id), lambda w: self.refresh(select=w.id))

    def rename(self, vid: str, name: str) -> None:
        """Rename without the form (for the picker and tests); refreshes the list."""
        self._run(lambda: self.studio.rename_voice(vid, name), lambda v: self.refresh(select=v.id))

    def _edit_consent(self) -> None:
        v = self.current()
        if v is not None:
            self.edit_consent(v)

    def edit_consent(self, v: Voice, then: Callable[[Voice], None] | None = None) -> bool:
        """Open the consent dialog; True when a record was saved (in the background)."""
        dlg = ConsentDialog(
            v.name,
            v.consent,
            backend=self.backend,
            takes_dir=(self.takes_dir / "consent") if self.takes_dir else None,
            background=self.background,
            parent=self,
        )
        if dlg.exec() != ConsentDialog.DialogCode.Accepted:
            return False
        record, evidence = dlg.record(), dlg.evidence

        def saved(voice: Voice) -> None:
            self.messageOccurred.emit(tr("Consent for “{name}” saved.", name=voice.name))
            self.refresh(select=voice.id, then=(lambda: then(voice)) if then else None)

        self._run(lambda: self.studio.set_consent(v.id, record, evidence=evidence), saved)
        return True

    def _revoke(self) -> None:
        v = self.current()
        if v is None or consent_state(v) != "given":
            return
        answer = ask.ask_choice(
            self,
            tr("Withdraw consent?"),
            tr("No new speech can be made with “{name}” after this.", name=v.name),
            [("revoke", tr("Withdraw consent")), ("cancel", tr("Cancel"))],
            detail=tr("Its earlier generations stay in the history. The record keeps the date."),
        )
        if answer == "revoke":
            self._run(lambda: self.studio.revoke_consent(v.id), lambda voice: self.refresh(select=voice.id))

    def delete(self, vid: str) -> None:
        v = self._voices.get(vid)
        name = v.name if v is not None else vid

        def done(_: object) -> None:
            self._offer_undo(tr("“{name}” moved to the trash.", name=name), lambda: self._restore_id(vid))
            self.refresh()

        self._run(lambda: self.studio.delete_voice(vid), done)

    def _delete(self) -> None:
        vid = self.current_id()
        if vid and not self.showing_trash:
            self.delete(vid)

    def _restore_id(self, vid: str) -> None:
        self._run(lambda: self.studio.restore_voice(vid), lambda v: self.refresh(select=v.id))

    def _restore(self) -> None:
        vid = self.current_id()
        if vid and self.showing_trash:
            self._restore_id(vid)

    def _empty_trash(self) -> None:
        n = self.list.count()
        answer = ask.ask_choice(
            self,
            tr("Empty the trash?"),
            tr("Delete {n} voice(s) and the generations in the trash for good?", n=n),
            [("empty", tr("Delete for good")), ("cancel", tr("Cancel"))],
            detail=tr("This cannot be undone. Export an archive first if unsure."),
        )
        if answer != "empty":
            return

        def done(counts: tuple[int, int]) -> None:
            self.messageOccurred.emit(
                tr("Deleted {v} voice(s) and {g} generation(s) for good.", v=counts[0], g=counts[1])
            )
            self._clear_undo()
            self.refresh()

        self._run(self.studio.empty_trash, done)

    # --- undo ------------------------------------------------------------------------------------
    def _offer_undo(self, text: str, undo: Callable[[], None]) -> None:
        self._undo = undo
        self.undo_label.setText(text)
        self.undo_bar.show()

    def _clear_undo(self) -> None:
        self._undo = None
        self.undo_bar.hide()

    def undo(self) -> None:
        fn, self._undo = self._undo, None
        self.undo_bar.hide()
        if fn is not None:
            fn()
