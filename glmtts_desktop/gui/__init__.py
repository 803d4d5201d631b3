"""The PySide6 desktop app. The only layer that imports Qt.

Opening the window never imports torch: the engine is imported by the inference worker, in its
own thread, when it loads the model.
"""
