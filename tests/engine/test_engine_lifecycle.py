"""The real Engine's life cycle: out-of-memory inside a model, unloading, the weights fingerprint.

Each test drives the real engine on the tiny checkpoint; the only thing replaced is one model
method that raises the exception torch itself raises when a GPU allocation fails.
"""

from __future__ import annotations

import gc
import shutil
import weakref

import numpy as np
import pytest
import torch

from glmtts_desktop.engine import Engine, EngineConfig, SynthesisRequest
from glmtts_desktop.engine.errors import GpuOutOfMemoryError
from glmtts_desktop.engine.flow import FlowModel
from glmtts_desktop.engine.frontend import write_random_campplus
from glmtts_desktop.engine.llm import SpeechLM
from tests.conftest import voice_like

SR_IN = 16000
# What the CUDA caching allocator says when it gives up (shortened).
CUDA_OOM_TEXT = "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 8.00 GiB"


@pytest.fixture(scope="module")
def voice(tiny_engine):
    return tiny_engine.prepare_voice(voice_like(3.0, SR_IN), SR_IN, "Hello there, this is my voice.")


def _raise_oom_once(monkeypatch, cls, name):
    """Make ``cls.name`` raise torch.OutOfMemoryError on its first call, then behave normally."""
    original = getattr(cls, name)
    calls = {"n": 0}

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise torch.OutOfMemoryError(CUDA_OOM_TEXT)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, flaky)
    return calls


@pytest.mark.parametrize("cls, name", [(SpeechLM, "decode_step"), (FlowModel, "velocity")])
def test_oom_inside_a_model_is_typed_and_the_next_job_runs(tiny_engine, voice, monkeypatch, cls, name):
    request = SynthesisRequest(text="Hi.", voice=voice, seed=5, flow_steps=2)
    expected = tiny_engine.synthesize(request).audio
    calls = _raise_oom_once(monkeypatch, cls, name)
    with pytest.raises(GpuOutOfMemoryError) as info:
        tiny_engine.synthesize(request)
    err = info.value
    assert isinstance(err.__cause__, torch.OutOfMemoryError)  # translated, not replaced blindly
    assert "out of memory" in err.user_text().lower() and err.hint
    assert "Tried to allocate 2.00 GiB" in err.detail
    assert calls["n"] == 1
    # the same engine runs the same job again, to the same audio
    np.testing.assert_array_equal(tiny_engine.synthesize(request).audio, expected)
    assert calls["n"] > 1


def test_oom_while_analysing_a_voice_is_typed(tiny_engine, monkeypatch):
    from glmtts_desktop.engine.frontend import SpeechTokenizer

    _raise_oom_once(monkeypatch, SpeechTokenizer, "tokenize")
    audio = voice_like(3.0, SR_IN)
    with pytest.raises(GpuOutOfMemoryError):
        tiny_engine.prepare_voice(audio, SR_IN, "Hello there.")
    assert len(tiny_engine.prepare_voice(audio, SR_IN, "Hello there.").speech_ids) > 0


def _model_refs(engine: Engine) -> dict[str, weakref.ref]:
    parts = {
        "llm": engine.llm,
        "flow": engine.flow,
        "vocoder": engine.vocoder,
        "speech_tokenizer": engine.speech_tokenizer,
        "speaker_encoder": engine.speaker_encoder,
    }
    return {name: weakref.ref(obj) for name, obj in parts.items()}


def test_close_releases_every_model(tiny_checkpoint):
    engine = Engine.load(EngineConfig(tiny_checkpoint, device="cpu", sample_rate=24000))
    engine.set_sample_rate(32000)  # a second vocoder is loaded and kept for switching back
    engine.set_sample_rate(24000)
    engine.speech_tokens(voice_like(3.0, SR_IN), SR_IN)  # the prompt models load on demand
    refs = _model_refs(engine)
    refs["vocoder_32k"] = weakref.ref(engine._loaded().vocoders[32000])
    engine.close()
    gc.collect()
    alive = sorted(name for name, ref in refs.items() if ref() is not None)
    assert alive == [], f"still referenced after close(): {alive}"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="GPU memory is only measurable with CUDA")
def test_close_returns_gpu_memory(tiny_checkpoint):
    gc.collect()
    torch.cuda.empty_cache()
    before = torch.cuda.memory_allocated()
    engine = Engine.load(EngineConfig(tiny_checkpoint, device="cuda", dtype="fp32"))
    assert torch.cuda.memory_allocated() > before
    engine.close()
    gc.collect()
    assert torch.cuda.memory_allocated() == before


def test_model_fingerprint_follows_the_prompt_weights(tiny_checkpoint, tmp_path):
    """Voice analyses are cached by this value: it must change exactly when their inputs can."""
    folder = tmp_path / "ckpt"
    shutil.copytree(tiny_checkpoint, folder)

    def fingerprint() -> str:
        engine = Engine.load(EngineConfig(folder, device="cpu"))
        try:
            return engine.model_fingerprint
        finally:
            engine.close()

    first = fingerprint()
    assert fingerprint() == first  # a restart with the same files: the cache stays valid
    # the flow and vocoder do not take part in the analysis: touching them keeps the cache
    flow = folder / "flow" / "flow.pt"
    flow.write_bytes(flow.read_bytes())
    assert fingerprint() == first
    # another speaker model (same architecture, other weights) must invalidate it
    campplus = next(
        p for p in (folder / "frontend" / "campplus.onnx", folder / "campplus.onnx") if p.exists()
    )
    write_random_campplus(campplus, size="tiny", seed=99)
    second = fingerprint()
    assert second != first
    # so must other speech-tokenizer weights
    st = folder / "speech_tokenizer" / "model.safetensors"
    data = bytearray(st.read_bytes())
    data[-1] ^= 0x01
    st.write_bytes(bytes(data))
    assert fingerprint() not in (first, second)
