"""``run_app(args)``: open the window at once, preload the model in the inference thread.

Start-up order matters for the "window in under two seconds" promise: Qt, the window and the
library open first (no torch); the model load is queued to the worker right after the window
shows. When no usable weights are configured, the first-run wizard opens instead.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from glmtts_desktop.gui.i18n import Translator, set_translator, system_language
from glmtts_desktop.gui.settings import APP, ORG, AppSettings

log = logging.getLogger(__name__)


def default_data_dir() -> Path:
    env = os.environ.get("GLMTTS_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("glmtts-desktop", appauthor=False))


def ensure_app():
    """The QApplication (created once), with names, theme and a CJK-capable default font."""
    from PySide6.QtWidgets import QApplication

    from glmtts_desktop.gui.theme import follow_system_theme

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setOrganizationName(ORG)
        app.setApplicationName(APP)
        app.setApplicationDisplayName("GLM-TTS Desktop")
        follow_system_theme(app)
    return app


def create_main_window(
    *,
    data_dir: Path,
    model_dir: Path | None,
    settings: AppSettings | None = None,
    backend: Any = None,
    engine_factory: Any = None,
    show_wizard_on_failure: bool = True,
):
    """Build the real main window and its engine client (tests inject a fake audio backend)."""
    from glmtts_desktop.gui.inference import EngineClient
    from glmtts_desktop.gui.main_window import MainWindow
    from glmtts_desktop.gui.store import Store

    app = ensure_app()
    settings = settings or AppSettings()
    if settings.theme != "system":
        from glmtts_desktop.gui.theme import apply_theme

        apply_theme(app, settings.theme)
    set_translator(Translator(settings.language or system_language()))
    if backend is None:
        from glmtts_desktop.audio import get_backend

        backend = get_backend()
    data_dir = Path(data_dir)
    store = Store.open(data_dir / "library")
    # one Studio: the worker speaks and stores through it, the voice analysis cache is in the library
    client = EngineClient(engine_factory=engine_factory, studio=store.studio)
    return MainWindow(
        client, store, backend, settings, model_dir, data_dir, show_wizard_on_failure=show_wizard_on_failure
    )


def choose_model_dir(args_model_dir: str | None, settings: AppSettings) -> tuple[Path | None, bool]:
    """(folder, explicit): a folder named on the command line or chosen before is always tried."""
    if args_model_dir:
        return Path(args_model_dir).expanduser(), True
    if settings.model_dir is not None:
        return settings.model_dir, True
    try:
        from glmtts_desktop.models import default_model_dir

        # GLMTTS_MODEL_DIR names a folder on purpose: load it (a problem is explained by the
        # load) instead of opening the wizard because no check of ours was recorded there yet
        return default_model_dir(), bool(os.environ.get("GLMTTS_MODEL_DIR"))
    except Exception:  # noqa: BLE001 - without the models package there is no default
        log.exception("no default model folder")
        return None, False


def start_model(window, explicit: bool) -> None:
    """Load the model, or open the wizard when the default folder has no usable weights."""
    model_dir = window.model_dir
    if model_dir is not None and not explicit:
        try:
            from glmtts_desktop.models import needs_setup

            if needs_setup(model_dir):
                window.open_wizard()
                return
        except Exception:  # noqa: BLE001 - fall through to a load attempt, which explains itself
            log.exception("needs_setup failed")
    window.load_model()


def display_problem() -> str | None:
    """Why no window can open here, if we can tell before Qt aborts the process."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "No graphical display was found (DISPLAY and WAYLAND_DISPLAY are unset), so the app window "
        "cannot open. Run it from a desktop session, or use the command-line tools: glmtts-desktop --help"
    )


def run_app(args: Any) -> int:
    if getattr(args, "self_test", False):
        from glmtts_desktop.gui.selftest import run_self_test

        return run_self_test()
    problem = display_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    app = ensure_app()
    settings = AppSettings()
    data_dir = Path(args.data_dir).expanduser() if getattr(args, "data_dir", None) else default_data_dir()
    model_dir, explicit = choose_model_dir(getattr(args, "gui_model_dir", None), settings)
    from glmtts_desktop.errors import GlmTtsError

    try:
        window = create_main_window(data_dir=data_dir, model_dir=model_dir, settings=settings)
    except GlmTtsError as exc:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "GLM-TTS Desktop", exc.user_text())
        return exc.exit_code
    window.show()
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, lambda: start_model(window, explicit))
    app.aboutToQuit.connect(window.shutdown)
    code = app.exec()
    window.shutdown()
    return int(code)
