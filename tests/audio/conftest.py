"""Fixtures for the audio tests (signal generators live in audio_signals.py)."""
