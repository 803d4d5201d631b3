"""Guards against a Qt binding that corrupts Python's reference counts.

PySide6 6.12.0 on Python < 3.12 drops a reference to ``True`` on every ``Signal.emit()``; after
a few thousand signals the interpreter aborts ("bool_dealloc"). 6.11.3 is fine. This test names
the problem instead of letting the GUI suite crash at random.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ping = Signal(object)


def test_signal_emit_keeps_reference_counts():
    e = _Emitter()
    e.ping.connect(lambda _x: None)
    before = sys.getrefcount(True)
    for _ in range(200):
        e.ping.emit(1)
    assert sys.getrefcount(True) - before > -50, (
        "this PySide6 build loses a reference to True per Signal.emit(); use PySide6-Essentials 6.11.x"
    )
