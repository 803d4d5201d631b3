"""The main window: four panels, the menus, the model status, and the model's life cycle.

The generation flow itself (validate, submit, progress, result, history) is in ``session``;
this module builds the window, loads/unloads the model through the EngineClient, opens the
first-run wizard when the model cannot be loaded, and shuts everything down in order.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QFrame,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from glmtts_desktop.audio import AudioBackend, Player
from glmtts_desktop.engine.errors import CheckpointError
from glmtts_desktop.errors import GlmTtsError
from glmtts_desktop.gui.audio_devices import AudioDevices
from glmtts_desktop.gui.background import Background
from glmtts_desktop.gui.draft import DraftKeeper
from glmtts_desktop.gui.errors import UnexpectedError
from glmtts_desktop.gui.history_search import HistorySearch
from glmtts_desktop.gui.i18n import LANGUAGES, system_language, tr, translator
from glmtts_desktop.gui.inference import EngineClient, NormalizeJob, SampleRateJob
from glmtts_desktop.gui.inference.client import LOADING, READY
from glmtts_desktop.gui.panels.generate_panel import GeneratePanel
from glmtts_desktop.gui.panels.result_panel import ResultPanel
from glmtts_desktop.gui.panels.text_panel import TextPanel
from glmtts_desktop.gui.panels.voice_panel import VoicePanel
from glmtts_desktop.gui.session import Session
from glmtts_desktop.gui.settings import AppSettings

if TYPE_CHECKING:  # imported when opened: the wizard is rarely needed
    from glmtts_desktop.gui.wizard import FirstRunWizard
from glmtts_desktop.gui.store import Store
from glmtts_desktop.gui.theme import apply_theme
from glmtts_desktop.gui.vocoder_trust import untrusted_vocoder
from glmtts_desktop.gui.voice_memory import remember_voice, restore_voice
from glmtts_desktop.gui.voices.archive_actions import ArchiveActions
from glmtts_desktop.gui.voices.consent_gate import ConsentGate
from glmtts_desktop.gui.voices.voices_view import VoicesView
from glmtts_desktop.gui.widgets.message_bar import MessageBar
from glmtts_desktop.gui.widgets.model_status import ModelStatus
from glmtts_desktop.gui.widgets.output_choice import OutputChoice

log = logging.getLogger(__name__)

#: the width the text editor gets before the side columns keep anything beyond their minimum
EDITOR_ROOM = 420
#: the side columns' usual widths (splitter index -> px), as on a 1366 px screen
SIDE_WIDTHS = {0: 330, 2: 560}


class _SideColumn(QScrollArea):
    """A side column that scrolls up and down but never sideways.

    Its minimum width is its panel's minimum width plus room for the vertical scroll bar, so the
    splitter cannot squeeze it into a sideways scroll bar (at 1024 px the middle column gives
    way instead, down to its own minimum).
    """

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.setWidget(widget)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().minimumSizeHint()
        inner = self.widget()
        if inner is None:
            return hint
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        return QSize(inner.minimumSizeHint().width() + bar, hint.height())


def _scrollable(widget: QWidget) -> QScrollArea:
    return _SideColumn(widget)


def _warm_pinyin() -> None:
    from glmtts_desktop.gui.pronunciation.readings import readings

    readings("行")


class MainWindow(QMainWindow):
    wizardOpened = Signal(object)  # the FirstRunWizard, for tests and for the app

    def __init__(
        self,
        client: EngineClient,
        store: Store,
        backend: AudioBackend,
        settings: AppSettings,
        model_dir: Path | None,
        data_dir: Path,
        *,
        show_wizard_on_failure: bool = True,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.client = client
        self.store = store
        self.backend = backend
        self.settings = settings
        self.model_dir = Path(model_dir) if model_dir else None
        self.data_dir = Path(data_dir)
        self.show_wizard_on_failure = show_wizard_on_failure
        self.wizard: FirstRunWizard | None = None
        self._closed = False
        self._preview_job: int | None = None
        self._preview_again = False  # the text changed while a preview or a job was running
        self._load_job: int | None = None
        t = translator()
        t.bind(self._set_title, "GLM-TTS Desktop")

        self.background = Background(self)
        self.player = Player(backend)
        self.messages = MessageBar()
        self.voice_panel = VoicePanel(backend, self.data_dir / "takes", self.background)
        self.text_panel = TextPanel()
        self.generate_panel = GeneratePanel()
        self.result_panel = ResultPanel(self.player)
        self.model_status = ModelStatus()
        self.statusBar().addPermanentWidget(self.model_status)

        right = QSplitter(Qt.Vertical)
        right.addWidget(self.generate_panel)
        right.addWidget(self.result_panel)
        right.setStretchFactor(1, 3)
        split = QSplitter(Qt.Horizontal)
        split.setObjectName("mainSplitter")
        # the side columns scroll when the window is narrow (1024 px screens), so the text
        # editor in the middle keeps its room and the window's minimum width stays small
        split.addWidget(_scrollable(self.voice_panel))
        split.addWidget(self.text_panel)
        split.addWidget(_scrollable(right))
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 0)
        split.setChildrenCollapsible(False)
        split.setSizes([SIDE_WIDTHS[0], 470, SIDE_WIDTHS[2]])  # at 1366 px all three fit
        self.splitter = split
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.messages)
        layout.addWidget(split, 1)
        self.setCentralWidget(central)
        self.resize(1320, 820)

        self.voices_view = VoicesView(
            store.studio, self.background, backend=backend, takes_dir=self.data_dir / "takes"
        )
        self.voices_dock = QDockWidget(self)
        self.voices_dock.setObjectName("voicesDock")
        t.bind(self.voices_dock.setWindowTitle, "Voices")
        self.voices_dock.setWidget(self.voices_view)
        self.addDockWidget(Qt.LeftDockWidgetArea, self.voices_dock)
        # floating at first: docked, it would squeeze the four panels off a 1366-pixel screen
        self.voices_dock.setFloating(True)
        self.voices_dock.resize(440, 640)
        self.voices_dock.hide()
        self.voices_view.errorOccurred.connect(self.show_error)
        self.voices_view.messageOccurred.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.voice_panel.manageVoicesRequested.connect(self.show_voices)
        self.consent_gate = ConsentGate(self)
        self.history_search = HistorySearch()
        self.result_panel.add_history_filter(self.history_search)
        self._setup_devices()
        self.session = Session(self)
        self.session.generationEnded.connect(self._preview_if_wanted)
        self.archive = ArchiveActions(self)
        self.draft = DraftKeeper(self, self.data_dir / "draft.json")
        restore_voice(self)
        self._build_menus()
        self.generate_panel.install_shortcuts(self)
        self.result_panel.install_shortcuts(self)
        self.generate_panel.set_sample_rates((24000,), settings.sample_rate)
        idx = self.generate_panel.method.findData(settings.method)
        self.generate_panel.method.setCurrentIndex(max(idx, 0))
        self.generate_panel.prompt_cache.setChecked(settings.prompt_cache)
        self.generate_panel.set_advanced_open(settings.advanced_open)
        self.generate_panel.advancedToggled.connect(self._remember_advanced)
        self.draft.restore()  # after the stored options: the draft's are newer

        for panel in (self.voice_panel, self.text_panel, self.result_panel):
            panel.errorOccurred.connect(self.show_error)
        self.voice_panel.messageOccurred.connect(self._voice_message)
        self.voice_panel.playback.started.connect(self.result_panel.stop)
        self.result_panel.play_button.clicked.connect(self.voice_panel.playback.stop)
        self.text_panel.previewRequested.connect(self._request_preview)
        self.generate_panel.sampleRateChanged.connect(self._change_sample_rate)
        client.stateChanged.connect(self._on_state)
        client.modelInfoChanged.connect(self._on_model_info)
        client.jobProgress.connect(self._on_job_progress)
        client.jobFinished.connect(self._on_job_finished)
        client.jobFailed.connect(self._on_job_failed)
        # warm the pinyin tables off the GUI thread so the first pronunciation popup opens at once
        QTimer.singleShot(0, lambda: self.background.run(_warm_pinyin))
        QTimer.singleShot(0, self.voice_panel.record.offer_unfinished)  # a take a crash cut off
        geometry = settings.geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._give_the_editor_room()

    def _give_the_editor_room(self) -> None:
        """On a narrow window take the text editor's room from the side columns first.

        QSplitter shrinks every column when the window shrinks; at 1024 px that left the editor
        about 270 px while the side columns kept more than they need. The side columns give
        back what they hold beyond their minimum (right column first) until the editor has
        EDITOR_ROOM pixels; on a wider window they get their usual widths back (SIDE_WIDTHS) and the editor the rest.
        """
        split = self.splitter
        sizes = split.sizes()
        if len(sizes) != 3 or sum(sizes) <= 0:
            return
        before = list(sizes)
        need = EDITOR_ROOM - sizes[1]
        for index in (2, 0):
            if need > 0:  # narrower: the side columns give back down to their minimum
                column = split.widget(index)
                spare = sizes[index] - (column.minimumSizeHint().width() if column else sizes[index])
                move = max(0, min(spare, need))
            else:  # wider again: they get back up to their usual width, the editor keeps the rest
                move = -max(0, min(-need, SIDE_WIDTHS[index] - sizes[index]))
            sizes[index] -= move
            sizes[1] += move
            need -= move
        if sizes != before:
            split.setSizes(sizes)

    def _setup_devices(self) -> None:
        """One speaker choice for both players, one rescan for microphones and speakers."""
        self.audio_devices = AudioDevices(self.backend, self.settings, self)
        self.audio_devices.messageOccurred.connect(lambda m: self.messages.show_message(m, "warning"))
        self.audio_devices.add_player(self.player)
        self.audio_devices.add_player(self.voice_panel.playback.player)
        self.audio_devices.check_output()  # the speaker chosen last time may be unplugged
        self.voice_panel.record.attach(self.audio_devices)
        self.result_panel.add_output_choice(OutputChoice(self.audio_devices))

    @property
    def closed(self) -> bool:
        return self._closed

    # --- menus ---------------------------------------------------------------------------------
    def _action(self, menu, text: str, slot, shortcut: str | None = None, name: str = "") -> QAction:
        act = QAction(self)
        translator().bind(act.setText, text)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        if name:
            act.setObjectName(name)
        act.triggered.connect(lambda _checked=False: slot())  # triggered(bool) must not reach the slot
        menu.addAction(act)
        return act

    def _build_menus(self) -> None:
        t = translator()
        bar = self.menuBar()
        file_menu = bar.addMenu("")
        t.bind(file_menu.setTitle, "&File")
        self._action(file_menu, "Import reference…", self.voice_panel._import_dialog, "Ctrl+O")
        self._action(
            file_menu, "Export result as WAV…", lambda: self.result_panel._export_dialog("wav"), "Ctrl+S"
        )
        self._action(file_menu, "Export result as FLAC…", lambda: self.result_panel._export_dialog("flac"))
        file_menu.addSeparator()
        self._action(file_menu, "Quit", self.close, "Ctrl+Q")
        archive_menu = bar.addMenu("")
        t.bind(archive_menu.setTitle, "&Archive")
        self._action(archive_menu, "Export voices to an archive…", self.archive.export, name="archiveExport")
        self._action(archive_menu, "Import an archive…", self.archive.import_, name="archiveImport")
        archive_menu.addSeparator()
        self._action(archive_menu, "Check library integrity", self.archive.check, name="archiveCheck")
        model_menu = bar.addMenu("")
        t.bind(model_menu.setTitle, "&Model")
        self.unload_action = self._action(
            model_menu, "Unload model (free GPU memory)", self.unload_model, name="unloadAction"
        )
        self.reload_action = self._action(model_menu, "Reload model", self.load_model, name="reloadAction")
        model_menu.addSeparator()
        self._action(model_menu, "Choose model folder…", self._choose_model_dir)
        self._action(model_menu, "Download or import weights…", self.open_wizard)
        view_menu = bar.addMenu("")
        t.bind(view_menu.setTitle, "&View")
        self._action(view_menu, "Voices", self.show_voices, "Ctrl+L", name="voicesAction")
        lang_menu = view_menu.addMenu("")
        t.bind(lang_menu.setTitle, "Language")
        group = QActionGroup(self)
        current = self.settings.language
        for code, label in [("", "System")] + list(LANGUAGES.items()):
            act = QAction(self)
            if code:
                act.setText(label)
            else:
                t.bind(act.setText, label)
            act.setCheckable(True)
            act.setChecked(code == current)
            act.setData(code)
            act.triggered.connect(lambda _=False, c=code: self.set_language(c))
            group.addAction(act)
            lang_menu.addAction(act)
        theme_menu = view_menu.addMenu("")
        t.bind(theme_menu.setTitle, "Theme")
        themes = QActionGroup(self)
        for mode, label in (("system", "Like the system"), ("light", "Light"), ("dark", "Dark")):
            act = QAction(self)
            t.bind(act.setText, label)
            act.setCheckable(True)
            act.setChecked(mode == self.settings.theme)
            act.setObjectName(f"theme_{mode}")
            act.triggered.connect(lambda _=False, m=mode: self.set_theme(m))
            themes.addAction(act)
            theme_menu.addAction(act)

    def _set_title(self, title: str) -> None:
        """Title and application display name together: Qt appends the display name to every
        window title that differs from it, which gave "GLM-TTS 桌面版 — GLM-TTS Desktop"."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setApplicationDisplayName(title)
        self.setWindowTitle(title)

    def set_theme(self, mode: str) -> None:
        self.settings.theme = mode
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, mode)

    def show_voices(self) -> None:
        """Open the Voices view with the voice on screen selected."""
        if self.voices_dock.isFloating() and not self.voices_dock.isVisible():
            top_left = self.geometry().topLeft()
            self.voices_dock.move(top_left.x() + 40, top_left.y() + 60)
        self.voices_dock.show()
        self.voices_dock.raise_()
        vid = self.voice_panel.voice_id
        if vid:
            self.voices_view.select(vid)

    def set_language(self, code: str) -> None:
        self.settings.language = code
        translator().set_language(code or system_language())

    # --- model life cycle --------------------------------------------------------------------
    def load_model(self, model_dir: Path | None = None) -> int | None:
        if model_dir is not None:
            self.model_dir = Path(model_dir)
        if self.model_dir is None:
            self.open_wizard()
            return None
        self.messages.clear()
        log.info("loading the model from %s", self.model_dir)
        rate = self.settings.sample_rate
        if rate == 32000 and untrusted_vocoder(self.model_dir) is not None:
            # the 32 kHz file changed or was never trusted: load Standard instead of failing,
            # and let "Trust this file…" next to the quality choice offer the decision
            log.info("32 kHz vocoder not trusted; loading at 24 kHz")
            rate = 24000
            self.statusBar().showMessage(
                tr("High quality (32 kHz) stays off until you trust its file; using Standard (24 kHz)."),
                15000,
            )
        self._load_job = self.client.load(self.model_dir, sample_rate=rate)
        return self._load_job

    def unload_model(self) -> None:
        if not self.confirm_stop_work("unload"):
            return
        self.session.cancel()
        self.client.unload()

    def confirm_stop_work(self, action: str) -> bool:
        """True when nothing is running or the person agreed to stop it ("close" or "unload")."""
        if not self.session.running:
            return True
        return bool(self.ask_stop_work(action))

    def ask_stop_work(self, action: str) -> bool:
        """The question itself (a modal box); tests replace it on the instance."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("Stop the running work?"))
        box.setText(tr("A voice is still being generated."))
        if action == "close":
            box.setInformativeText(tr("Closing the window stops it; the unfinished audio is not kept."))
            stop_text = tr("Stop and close")
        else:
            box.setInformativeText(tr("Unloading the model stops it; the unfinished audio is not kept."))
            stop_text = tr("Stop and unload")
        keep = box.addButton(tr("Keep working"), QMessageBox.ButtonRole.RejectRole)
        stop = box.addButton(stop_text, QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is stop

    def _choose_model_dir(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, tr("Choose the model folder"), str(self.model_dir or Path.home())
        )
        if path:
            self.settings.model_dir = Path(path)
            self.load_model(Path(path))

    def open_wizard(self):
        """The first-run wizard (downloads or imports weights); non-modal, the window stays usable."""
        if self.wizard is not None and self.wizard.isVisible():
            self.wizard.raise_()
            return self.wizard
        log.info("opening the setup wizard (model folder %s)", self.model_dir)
        try:
            from glmtts_desktop.gui.wizard import FirstRunWizard

            self.wizard = FirstRunWizard(self.model_dir, parent=self)
        except Exception as exc:  # noqa: BLE001 - the main window must stay usable
            log.exception("the setup wizard could not open")
            self.show_error(exc if isinstance(exc, GlmTtsError) else UnexpectedError.wrap(exc))
            return None
        self.wizard.weightsReady.connect(self._weights_ready)
        self.wizard.setWindowModality(Qt.NonModal)
        self.wizard.show()
        self.wizardOpened.emit(self.wizard)
        return self.wizard

    def _weights_ready(self, path: str) -> None:
        self.settings.model_dir = Path(path)
        self.load_model(Path(path))

    def _change_sample_rate(self, rate: int) -> None:
        self.settings.sample_rate = rate
        if self.client.state == READY:
            self.client.submit(SampleRateJob(sample_rate=rate))

    def _on_state(self, state: str) -> None:
        self.model_status.set_state(state, self.client.last_error)
        self.text_panel.set_model_ready(state == READY)
        self.unload_action.setEnabled(state == READY)
        self.reload_action.setEnabled(state != LOADING)
        if state == READY and self.text_panel.text().strip():
            self._request_preview(self.text_panel.text())

    def _remember_advanced(self, open_: bool) -> None:
        self.settings.advanced_open = open_

    def _on_model_info(self, info) -> None:
        self.model_status.set_info(info)
        if info is not None:
            untrusted = untrusted_vocoder(self.model_dir) if 32000 in info.sample_rates else None
            self.generate_panel.set_untrusted_vocoder(untrusted)
            self.generate_panel.set_sample_rates(info.sample_rates, info.sample_rate)

    def _on_job_progress(self, jid: int, progress) -> None:
        if jid == self._load_job and progress.message:
            self.statusBar().showMessage(tr(progress.message), 10000)

    def _on_job_finished(self, jid: int, result: object) -> None:
        if jid == self._preview_job:
            self._preview_job = None
            self.text_panel.set_segments(list(result.segments), approximate=False)
            self.text_panel.set_unspeakable(list(result.unspeakable))
            self._preview_if_wanted()
        elif jid == self._load_job:
            self._load_job = None
            self.statusBar().showMessage(tr("Model ready."), 5000)

    def _on_job_failed(self, jid: int, error: object) -> None:
        if jid == self._preview_job:
            self._preview_job = None  # the rough preview stays; generation will report text errors
            self._preview_if_wanted()
            return
        if jid == self._load_job:
            self._load_job = None
            self.show_error(error)
            if isinstance(error, CheckpointError) and self.show_wizard_on_failure and not self._closed:
                self.open_wizard()

    def _request_preview(self, text: str) -> None:
        if self._closed or self.client.state != READY:
            return
        if self._preview_job is not None or self.session.running:
            self._preview_again = True  # asked for once the running job has ended
            return
        self._preview_again = False
        self._preview_job = self.client.submit(NormalizeJob(text=text))

    def _preview_if_wanted(self, *_args: object) -> None:
        if self._preview_again and self.text_panel.text().strip():
            self._request_preview(self.text_panel.text())

    # --- messages ------------------------------------------------------------------------------
    def show_error(self, error: object) -> None:
        self.messages.show_error(error)

    def _voice_message(self, text: str) -> None:
        if text:
            self.messages.show_message(text, "info")
        elif self.messages.level == "info":
            self.messages.clear()

    # --- shutdown ------------------------------------------------------------------------------
    def shutdown(self) -> bool:
        """Cancel, stop audio, unload in the worker thread, quit it, wait; then let writes finish."""
        if self._closed:
            return not self.client.thread.isRunning()
        self._closed = True
        self.settings.set_geometry(self.saveGeometry())
        self.settings.method = str(self.generate_panel.method.currentData())
        self.settings.prompt_cache = self.generate_panel.prompt_cache.isChecked()
        remember_voice(self)
        self.draft.flush()
        self.session.cancel()
        self.voice_panel.record.abort()
        self.voice_panel.playback.close_player()
        self.player.close()
        ok = self.client.shutdown()
        self.archive.cancel()  # a long export/import stops at its next file, undoing itself
        self.background.wait()
        self.store.close()
        return ok

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if not self._closed and not self.confirm_stop_work("close"):
            event.ignore()
            return
        self.shutdown()
        if self.wizard is not None:
            self.wizard.close()
        super().closeEvent(event)
