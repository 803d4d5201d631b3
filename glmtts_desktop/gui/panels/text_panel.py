"""The text to speak: an editor, a preview of how it will be split, and pronunciation overrides.

Select a Chinese character or word and press F2 (or right-click) to choose its reading; the
choice becomes an override that applies only there or everywhere in this text, listed in the
table below the editor. Edits to the text move "only here" overrides with their characters.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from glmtts_desktop.engine.types import PronunciationOverride
from glmtts_desktop.gui.i18n import live_text, tr, translator
from glmtts_desktop.gui.panels.overrides_table import OverridesTable
from glmtts_desktop.gui.panels.segment_list import SegmentList
from glmtts_desktop.gui.pronunciation.override_history import OverrideHistory
from glmtts_desktop.gui.pronunciation.overrides import OverrideSet, read_jsonl, write_jsonl
from glmtts_desktop.gui.pronunciation.popup import PronunciationPopup
from glmtts_desktop.gui.pronunciation.readings import context_tokens, readings

log = logging.getLogger(__name__)

PREVIEW_DELAY_MS = 400
MAX_TEXT_CHARS = 20000
_ROUGH_SPLIT = re.compile(r"(?<=[。！？!?；;.\n])")


def rough_segments(text: str) -> list[str]:
    """A sentence split used until the model is loaded (the preview then says "approximate")."""
    return [s.strip() for s in _ROUGH_SPLIT.split(text) if s.strip()]


class TextPanel(QGroupBox):
    previewRequested = Signal(str)  # debounced: the main window asks the engine to normalise
    overridesChanged = Signal()
    errorOccurred = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        t = translator()
        t.bind(self.setTitle, "2. Text")
        self.overrides = OverrideSet()
        self._history = OverrideHistory()  # Undo in the editor brings back "only here" overrides
        self._model_ready = False
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("textEditor")
        t.bind(self.editor.setPlaceholderText, "Type or paste what the voice should say…")
        self.editor.setContextMenuPolicy(Qt.CustomContextMenu)
        self.editor.customContextMenuRequested.connect(self._context_menu)
        self.editor.document().contentsChange.connect(self._on_contents_change)
        self.editor.textChanged.connect(self._schedule_preview)
        self.editor.selectionChanged.connect(self._update_pron_button)

        self.pron_button = QPushButton()
        t.bind(self.pron_button.setText, "Pronunciation… (F2)")
        self.pron_button.setEnabled(False)
        self.pron_button.clicked.connect(self.open_pronunciation)
        self.pron_action = QAction(self)
        self.pron_action.setShortcut(QKeySequence(Qt.Key_F2))
        self.pron_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.pron_action.triggered.connect(self.open_pronunciation)
        self.addAction(self.pron_action)
        self.char_count = QLabel()

        self.segments = SegmentList()
        self.segments_label = QLabel()
        self.unspeakable_label = QLabel()  # characters the model will skip (emoji, unknown symbols)
        self.unspeakable_label.setObjectName("unspeakableLabel")
        self.unspeakable_label.setWordWrap(True)
        self.unspeakable_label.hide()
        self.table = OverridesTable(self.overrides)
        self.table.text_source = self.text
        self.table.changed.connect(self._overrides_changed)
        self.remove_button = QPushButton()
        t.bind(self.remove_button.setText, "Remove")
        self.remove_button.clicked.connect(self.table.remove_selected)
        self.import_button = QPushButton()
        t.bind(self.import_button.setText, "Import…")
        self.import_button.clicked.connect(self._import_dialog)
        self.export_button = QPushButton()
        t.bind(self.export_button.setText, "Export…")
        self.export_button.clicked.connect(self._export_dialog)
        self.save_voice_button = QPushButton()
        t.bind(self.save_voice_button.setText, "Save for this voice")
        self.save_voice_button.setEnabled(False)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self._emit_preview)
        self._popup: PronunciationPopup | None = None

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.editor)
        row = QHBoxLayout()
        row.addWidget(self.pron_button)
        row.addStretch(1)
        row.addWidget(self.char_count)
        tl.addLayout(row)
        seg = QWidget()
        sl = QVBoxLayout(seg)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.segments_label)
        sl.addWidget(self.segments)
        sl.addWidget(self.unspeakable_label)
        ov = QWidget()
        ol = QVBoxLayout(ov)
        ol.setContentsMargins(0, 0, 0, 0)
        ov_label = QLabel()
        t.bind(ov_label.setText, "Pronunciation overrides")
        ol.addWidget(ov_label)
        ol.addWidget(self.table)
        buttons = QGridLayout()  # two rows: keeps the panel narrow on a 1024 px screen
        for i, b in enumerate((self.remove_button, self.import_button, self.export_button)):
            buttons.addWidget(b, 0, i)
        buttons.addWidget(self.save_voice_button, 1, 0, 1, 3)
        ol.addLayout(buttons)
        split = QSplitter(Qt.Vertical)
        split.addWidget(top)
        split.addWidget(seg)
        split.addWidget(ov)
        split.setStretchFactor(0, 3)
        split.setChildrenCollapsible(False)
        split.setSizes([520, 130, 150])  # the editor gets the room; lists grow when dragged
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._approximate = True
        t.languageChanged.connect(lambda _: self._update_labels())
        self._update_labels()

    # --- text --------------------------------------------------------------------------------
    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        self.overrides.clear()
        self._history.clear()
        self.editor.setPlainText(text)
        self.table.refresh()

    def set_overrides(self, items: list[PronunciationOverride]) -> None:
        self.overrides.clear()
        for o in items:
            if o.occurrences is None:
                self.overrides.add(o.text, o.replacement, None)
            else:
                for off in o.occurrences:
                    if self.text()[off : off + len(o.text)] == o.text:
                        self.overrides.add(o.text, o.replacement, off)
        self._overrides_changed()

    def _update_labels(self) -> None:
        n = len(self.text())
        live_text(self.char_count.setText, tr("{n} characters", n=n))
        count = self.segments.count()
        if not self._approximate or not count:
            key = "Segments ({n})"
        elif self._model_ready:
            key = "Segments ({n}, updating…)"  # the model's own split is on its way
        else:
            key = "Segments ({n}, approximate until the model is loaded)"
        live_text(self.segments_label.setText, tr(key, n=count))

    @property
    def approximate(self) -> bool:
        """True while the segment list is the rough split, not the model's."""
        return self._approximate

    def set_model_ready(self, ready: bool) -> None:
        """Whether the model can split the text; the label stops saying "approximate"."""
        self._model_ready = bool(ready)
        self._update_labels()

    def _schedule_preview(self) -> None:
        self._update_labels()
        self._preview_timer.start()

    def _emit_preview(self) -> None:
        text = self.text()
        self.set_segments(rough_segments(text), approximate=True)
        if text.strip():
            self.previewRequested.emit(text)
        else:
            self.set_unspeakable([])

    def set_unspeakable(self, chars: list[str]) -> None:
        """Say which characters will be skipped, so nobody wonders why a symbol went silent."""
        live_text(
            self.unspeakable_label.setText, tr("Not spoken: {chars}", chars=" ".join(chars)) if chars else ""
        )
        self.unspeakable_label.setVisible(bool(chars))

    def set_segments(self, segments: list[str], *, approximate: bool = False) -> None:
        self._approximate = approximate
        self.segments.set_segments(segments)
        self._update_labels()

    # --- pronunciation -----------------------------------------------------------------------
    def _selection(self) -> tuple[str, int]:
        cursor = self.editor.textCursor()
        return cursor.selectedText(), cursor.selectionStart()

    def _update_pron_button(self) -> None:
        text, _ = self._selection()
        self.pron_button.setEnabled(bool(text) and len(text) <= 8 and bool(readings(text)))

    def open_pronunciation(self) -> PronunciationPopup | None:
        """Open the reading picker for the selection (non-modal); None when nothing fits."""
        text, start = self._selection()
        options = readings(text) if text and len(text) <= 8 else []
        if not options:
            self.errorOccurred.emit(tr("Select one Chinese character or word first."))
            return None
        popup = PronunciationPopup(
            text, options, self, in_context=context_tokens(self.text(), start, len(text))
        )
        popup.chosen.connect(
            lambda s, tokens, everywhere: self.add_override(s, tokens, None if everywhere else start)
        )
        popup.finished.connect(popup.deleteLater)
        self._popup = popup
        popup.open()
        return popup

    def add_override(self, text: str, tokens: str, offset: int | None) -> None:
        self.overrides.add(text, tokens, offset)
        self._overrides_changed()

    def _context_menu(self, pos) -> None:
        menu = self.editor.createStandardContextMenu()
        text, start = self._selection()
        options = readings(text) if text and len(text) <= 8 else []
        if options:
            first = menu.actions()[0] if menu.actions() else None
            sub = menu.addMenu(tr("Read “{text}” as", text=text))
            for r in options:
                act = sub.addAction(f"{r.pinyin}")
                act.triggered.connect(lambda _=False, r=r: self.add_override(text, r.tokens, start))
            more = QAction(tr("Pronunciation… (F2)"), menu)
            more.triggered.connect(self.open_pronunciation)
            if first is not None:
                menu.insertMenu(first, sub)
                menu.insertAction(first, more)
                menu.insertSeparator(first)
        menu.popup(self.editor.mapToGlobal(pos))
        menu.aboutToHide.connect(menu.deleteLater)

    def _on_contents_change(self, position: int, removed: int, added: int) -> None:
        text = self.text()
        before = self.overrides.as_tuple()
        if before:
            self.overrides.text_changed(text, position, removed, added)
        step = self.editor.document().availableUndoSteps()  # already counts this edit
        for t, r, off in self._history.lost(step, text, self.overrides.as_tuple()):
            self.overrides.add(t, r, off)
        self._history.record(step, text, self.overrides.as_tuple())
        if before or len(self.overrides):
            self.table.refresh()
            self._highlight()
        if self.overrides.as_tuple() != before:
            self.overridesChanged.emit()

    def _overrides_changed(self) -> None:
        self._history.record(
            self.editor.document().availableUndoSteps(), self.text(), self.overrides.as_tuple()
        )
        self.table.refresh()
        self._highlight()
        self.overridesChanged.emit()

    def _highlight(self) -> None:
        """Underline every place an override applies, so the person sees what they changed."""
        fmt = QTextCharFormat()
        fmt.setBackground(QColor(255, 200, 0, 90))
        fmt.setFontUnderline(True)
        text = self.text()
        sels = []
        for o in self.overrides:
            offsets = (
                o.occurrences
                if o.occurrences is not None
                else [m.start() for m in re.finditer(re.escape(o.text), text)]
            )
            for off in offsets:
                sel = QTextEdit.ExtraSelection()
                cur = QTextCursor(self.editor.document())
                cur.setPosition(off)
                cur.setPosition(off + len(o.text), QTextCursor.KeepAnchor)
                sel.cursor, sel.format = cur, fmt
                sels.append(sel)
        self.editor.setExtraSelections(sels)

    # --- import / export ----------------------------------------------------------------------
    def import_overrides(self, path: Path) -> int:
        items = read_jsonl(path)
        for o in items:
            self.overrides.add(o.text, o.replacement, None)
        self._overrides_changed()
        return len(items)

    def export_overrides(self, path: Path) -> None:
        write_jsonl(path, self.overrides)

    def _import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Import pronunciations"), "", "JSONL (*.jsonl);;* (*)")
        if path:
            try:
                self.import_overrides(Path(path))
            except Exception as exc:  # noqa: BLE001 - shown to the person
                self.errorOccurred.emit(exc)

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Export pronunciations"), "G2P_replace_dict.jsonl", "JSONL (*.jsonl)"
        )
        if path:
            try:
                self.export_overrides(Path(path))
            except Exception as exc:  # noqa: BLE001
                self.errorOccurred.emit(exc)
