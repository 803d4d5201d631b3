"""The main window's panels: voice, text (with pronunciation), generate, result/history."""
