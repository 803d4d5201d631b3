"""The first-run wizard that gets verified weights onto this PC (see wizard.FirstRunWizard)."""

from glmtts_desktop.gui.wizard.wizard import FirstRunWizard

__all__ = ["FirstRunWizard"]
