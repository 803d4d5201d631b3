"""Reusable widgets: waveform view, level meter."""
