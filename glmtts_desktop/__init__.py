"""GLM-TTS Desktop: an offline voice studio built on GLM-TTS zero-shot voice cloning."""

__version__ = "0.1.0"
