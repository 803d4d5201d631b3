"""Entry script for the frozen app (PyInstaller needs a file, not a console-script entry point)."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # torch / librosa may start helper processes
    from glmtts_desktop.cli import main

    sys.exit(main())
