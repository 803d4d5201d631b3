"""FirstRunWizard: welcome → this PC → source and folder → download/import → verify → done.

The main window opens it when the weights are missing (models.needs_setup) or from the menu,
and loads the engine when ``weightsReady(model_dir)`` is emitted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWizard

from glmtts_desktop.gui.i18n import translator
from glmtts_desktop.gui.wizard.choice import (
    WizardChoice,
    clear_choice,
    default_state_path,
    load_choice,
    save_choice,
)
from glmtts_desktop.gui.wizard.hardware import probe_torch
from glmtts_desktop.gui.wizard.pages import DonePage, SourcePage, SystemPage, WelcomePage, default_mode
from glmtts_desktop.gui.wizard.progress_page import TransferPage, VerifyPage
from glmtts_desktop.gui.wizard.worker import WeightsWorker
from glmtts_desktop.i18n import N_
from glmtts_desktop.models.layout import default_model_dir

log = logging.getLogger(__name__)

WELCOME, SYSTEM, SOURCE, TRANSFER, VERIFY, DONE = range(6)


class FirstRunWizard(QWizard):
    """Gets verified weights onto this PC; emits ``weightsReady(folder)`` when finished."""

    weightsReady = Signal(str)

    def __init__(
        self,
        settings_model_dir: Path | None = None,
        parent=None,
        *,
        manifest=None,
        hardware_probe: Callable[[], object] | None = None,
        state_path: Path | None = None,
        transfer_settings=None,
    ) -> None:
        super().__init__(parent)
        t = translator()
        t.bind(self.setWindowTitle, "Set up GLM-TTS Desktop")
        # Qt draws these itself, in English unless told otherwise.
        for which, text in (
            (QWizard.BackButton, N_("< Back")),
            (QWizard.NextButton, N_("Next >")),
            (QWizard.CancelButton, N_("Cancel")),
            (QWizard.FinishButton, N_("Finish")),
        ):
            t.bind(partial(self.setButtonText, which), text)
        self.setOption(QWizard.NoBackButtonOnLastPage, True)
        self.manifest = manifest
        self.transfer_settings = transfer_settings
        self.state_path = Path(state_path) if state_path else default_state_path()
        remembered = load_choice(self.state_path)
        self.resuming = remembered is not None
        self.choice = remembered or WizardChoice(
            mode=default_mode(), model_dir=str(settings_model_dir or default_model_dir())
        )
        if not remembered and self.choice.mode == "custom":
            import os

            self.choice.endpoint = os.environ.get("HF_ENDPOINT", "")
        self.tester = WeightsWorker(self)
        self.source_page = SourcePage(self)
        self.tester.finished.connect(self.source_page.show_test_result)
        self.tester.failed.connect(self.source_page.show_test_result)
        self.transfer_page = TransferPage(self)
        self.verify_page = VerifyPage(self)
        self.setPage(WELCOME, WelcomePage(self.resuming))
        self.setPage(SYSTEM, SystemPage(hardware_probe or probe_torch, lambda: Path(self.choice.model_dir)))
        self.setPage(SOURCE, self.source_page)
        self.setPage(TRANSFER, self.transfer_page)
        self.setPage(VERIFY, self.verify_page)
        self.setPage(DONE, DonePage(self))
        self.finished.connect(self._on_finished)

    def remember_choice(self) -> None:
        """Write the choice down so a restart mid-download continues into the same folder."""
        try:
            save_choice(self.state_path, self.choice)
        except OSError as exc:
            log.warning("could not remember the wizard choice: %s", exc)

    def shutdown(self) -> None:
        """Stop every worker (keeps partial files); called on close and by tests."""
        for w in (self.transfer_page.worker, self.verify_page.worker, self.tester):
            w.shutdown()

    def done(self, result: int) -> None:  # Finish, Cancel, Esc and window close all end here
        self.shutdown()
        super().done(result)

    def _on_finished(self, result: int) -> None:
        if result == QWizard.Accepted and self.verify_page.isComplete():
            clear_choice(self.state_path)
            self.weightsReady.emit(self.choice.model_dir)
