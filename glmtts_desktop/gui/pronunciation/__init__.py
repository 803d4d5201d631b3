"""Pronunciation overrides: readings from pypinyin, phoneme tokens, the overrides list, JSONL I/O."""
