"""GLMTTS_MODEL_DIR names a folder on purpose: the app loads it instead of opening the wizard."""

from __future__ import annotations

from types import SimpleNamespace

from glmtts_desktop.gui.app import choose_model_dir, start_model


class FakeWindow:
    def __init__(self, model_dir):
        self.model_dir = model_dir
        self.calls: list[str] = []

    def open_wizard(self) -> None:
        self.calls.append("wizard")

    def load_model(self) -> None:
        self.calls.append("load")


def test_env_folder_is_loaded_without_the_wizard(tiny_checkpoint, monkeypatch):
    # a complete folder prepared elsewhere: no check of ours was ever recorded in it
    assert not (tiny_checkpoint / ".glmtts" / "verified.json").exists()
    monkeypatch.setenv("GLMTTS_MODEL_DIR", str(tiny_checkpoint))
    folder, explicit = choose_model_dir(None, SimpleNamespace(model_dir=None))
    assert folder == tiny_checkpoint and explicit
    window = FakeWindow(folder)
    start_model(window, explicit)
    assert window.calls == ["load"]


def test_the_default_folder_without_weights_still_opens_the_wizard(tmp_path, monkeypatch):
    monkeypatch.delenv("GLMTTS_MODEL_DIR", raising=False)
    monkeypatch.setattr("glmtts_desktop.models.layout.default_model_dir", lambda: tmp_path / "none")
    monkeypatch.setattr("glmtts_desktop.models.default_model_dir", lambda: tmp_path / "none")
    folder, explicit = choose_model_dir(None, SimpleNamespace(model_dir=None))
    assert folder == tmp_path / "none" and not explicit
    window = FakeWindow(folder)
    start_model(window, explicit)
    assert window.calls == ["wizard"]
