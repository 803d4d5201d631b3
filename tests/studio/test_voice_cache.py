"""The analysis cache key covers everything the analysis depends on; damaged entries are misses."""

from __future__ import annotations

import numpy as np

from glmtts_desktop.studio.voice_cache import VoiceCache, analysis_key
from tests.studio.studio_fakes import DeterministicEngine

AUDIO = np.linspace(-0.5, 0.5, 16000, dtype=np.float32)


def test_key_depends_on_everything_the_analysis_depends_on():
    base = analysis_key(AUDIO, 16000, "hello", 24000, "w1")
    assert base == analysis_key(AUDIO.copy(), 16000, "hello", 24000, "w1")
    changed = [
        analysis_key(AUDIO * 0.5, 16000, "hello", 24000, "w1"),
        analysis_key(AUDIO, 22050, "hello", 24000, "w1"),
        analysis_key(AUDIO, 16000, "hello!", 24000, "w1"),
        analysis_key(AUDIO, 16000, "hello", 32000, "w1"),
        analysis_key(AUDIO, 16000, "hello", 24000, "w2"),
    ]
    assert base not in changed and len(set(changed)) == len(changed)


def test_a_damaged_entry_is_analysed_again_and_replaced(lib):
    engine = DeterministicEngine()
    key = analysis_key(AUDIO, 16000, "t", engine.sample_rate, engine.model_fingerprint)
    lib.put_prompt_cache(key, b"not an npz")
    prompt = VoiceCache(lib).prompt(engine, AUDIO, 16000, "t")
    assert engine.prepared == 1 and prompt.transcript == "t"
    assert VoiceCache(lib).prompt(engine, AUDIO, 16000, "t").transcript == "t" and engine.prepared == 1


def test_memory_holds_the_last_few(engine):
    cache = VoiceCache(None, memory_size=2)
    for level in (0.1, 0.2, 0.3):
        cache.prompt(engine, AUDIO * level, 16000, "t")
    cache.prompt(engine, AUDIO * 0.3, 16000, "t")
    assert engine.prepared == 3
    cache.prompt(engine, AUDIO * 0.1, 16000, "t")  # dropped from memory, no library
    assert engine.prepared == 4
