"""Voice analysis is kept by content across restarts, and never trusted when anything changed."""

from __future__ import annotations

import numpy as np
import pytest
from gui_fakes import FakeEngine, fake_factory

from glmtts_desktop.engine.types import VoicePrompt
from glmtts_desktop.gui.inference import EngineClient, GenerateJob
from glmtts_desktop.gui.inference.voice_cache import VoicePromptCache, voice_key


def _voice(n: int = 5) -> VoicePrompt:
    return VoicePrompt(
        "t",
        "t",
        np.arange(3),
        np.arange(n),
        np.ones((10, 80), np.float32),
        np.ones(192, np.float32),
        24000,
        1.0,
    )


AUDIO = np.linspace(-0.5, 0.5, 16000, dtype=np.float32)


def test_key_depends_on_everything_the_analysis_depends_on():
    base = voice_key(AUDIO, 16000, "hello", 24000, "w1")
    assert base == voice_key(AUDIO.copy(), 16000, "hello", 24000, "w1")
    changed = [
        voice_key(AUDIO * 0.5, 16000, "hello", 24000, "w1"),
        voice_key(AUDIO, 22050, "hello", 24000, "w1"),
        voice_key(AUDIO, 16000, "hello!", 24000, "w1"),
        voice_key(AUDIO, 16000, "hello", 32000, "w1"),
        voice_key(AUDIO, 16000, "hello", 24000, "w2"),
    ]
    assert base not in changed and len(set(changed)) == len(changed)


def test_disk_entries_survive_a_new_cache_and_damaged_ones_are_dropped(tmp_path):
    first = VoicePromptCache(tmp_path)
    first.put("k1", _voice(7))
    again = VoicePromptCache(tmp_path).get("k1")
    assert again is not None and list(again.speech_ids) == list(range(7))
    (tmp_path / "k2.npz").write_bytes(b"not a cache entry")
    assert VoicePromptCache(tmp_path).get("k2") is None
    assert not (tmp_path / "k2.npz").exists()


def test_memory_only_cache_keeps_the_most_recent(tmp_path):
    cache = VoicePromptCache(None, memory_size=2)
    for k in ("a", "b", "c"):
        cache.put(k, _voice())
    assert cache.get("a") is None and cache.get("c") is not None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("same_weights", [True, False])
def test_a_restarted_client_reuses_the_analysis_only_for_the_same_weights(qtbot, tmp_path, same_weights):
    job = GenerateJob(text="你好。", reference=AUDIO, reference_sr=16000, transcript="嗯")
    counts = []
    for run in range(2):
        engine = FakeEngine()
        if run == 1 and not same_weights:
            engine.model_fingerprint = "other-weights"
        client = EngineClient(engine_factory=fake_factory(engine), voice_cache_dir=tmp_path / "voices")
        with qtbot.waitSignal(client.stateChanged, check_params_cb=lambda s: s == "ready", timeout=5000):
            client.load(tmp_path)
        with qtbot.waitSignal(client.jobFinished, timeout=5000):
            client.submit(job)
        counts.append(engine.prepared)
        assert client.shutdown(10000)
    assert counts == ([1, 0] if same_weights else [1, 1])
