"""Helper run in a child process under Xvfb by test_screenshot.py: fill the window, save a PNG.

Usage: python screenshot_main.py OUT.png DATA_DIR LANGUAGE [MODEL_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> int:
    out, data_dir, language = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    model_dir = Path(sys.argv[4]) if len(sys.argv) > 4 else None
    from gui_fakes import speechy
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtGui import QGuiApplication

    from glmtts_desktop.audio import FakeBackend
    from glmtts_desktop.gui.app import create_main_window, ensure_app
    from glmtts_desktop.gui.settings import AppSettings

    app = ensure_app()
    settings = AppSettings()
    settings.language = language
    w = create_main_window(
        data_dir=data_dir,
        model_dir=model_dir,
        settings=settings,
        backend=FakeBackend(),
        show_wizard_on_failure=False,
    )
    w.resize(1400, 860)
    w.show()
    loop = QEventLoop()
    if model_dir is not None:
        w.client.stateChanged.connect(lambda s: s in ("ready", "failed") and loop.quit())
        w.load_model()
        QTimer.singleShot(60000, loop.quit)
        loop.exec()
    w.voice_panel.set_audio(speechy(6.0, 24000), 24000)
    w.voice_panel.waveform.set_selection(0.8, 4.6)
    w.voice_panel.transcript.setPlainText("今天天气很好，我们去公园散步吧。")
    w.voice_panel.name.setText("Grandpa")
    text = "我在银行工作了三十年。每天早上，我都会走路去上班。\n行不行，就看今天了。"
    w.text_panel.editor.setPlainText(text)
    w.text_panel.add_override("行", "<|H|><|ANG2|>", text.index("行"))
    w.text_panel.add_override("长", "<|ZH|><|ANG3|>", None)
    w.text_panel.set_segments([s for s in text.replace("\n", "").split("。") if s], approximate=False)
    w.result_panel.show_audio(speechy(5.0, 24000, seed=3) * 0.7, 24000)
    w.result_panel.seek(1.7)
    w.generate_panel.progress.setValue(1000)
    w.generate_panel.stage.setText(w.generate_panel.stage.text() or "")
    # wait (on a condition, not a clock) until the reference checks and history are in, then grab
    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(lambda: (w.voice_panel.checks.text() and w.background.pending == 0) and loop.quit())
    poll.start()
    QTimer.singleShot(30000, loop.quit)  # safety net only
    loop.exec()
    poll.stop()
    app.processEvents()
    pixmap = QGuiApplication.primaryScreen().grabWindow(w.winId())
    ok = pixmap.save(str(out), "PNG")
    w.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
