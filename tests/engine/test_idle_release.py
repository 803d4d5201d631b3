"""Memory given back between jobs and when idle; the next job is unchanged."""

from __future__ import annotations

import gc
import weakref

import numpy as np

from glmtts_desktop.engine import Engine, EngineConfig
from glmtts_desktop.engine.engine import KEEP_WARM_POSITIONS
from glmtts_desktop.engine.types import SynthesisRequest
from tests.conftest import voice_like


def _kv_ref(engine: Engine) -> weakref.ref:
    return weakref.ref(engine.llm._kv[0][0])  # one tensor of the KV cache


def test_deep_release_frees_cache_and_frontend_and_the_next_job_is_identical(tiny_checkpoint):
    engine = Engine.load(EngineConfig(tiny_checkpoint, device="cpu"))
    voice = engine.prepare_voice(voice_like(3.0, 16000), 16000, "Hello there.")
    request = SynthesisRequest("Hello world, again.", voice, seed=3)
    first = engine.synthesize(request)
    assert 0 < engine.llm.allocated_positions <= KEEP_WARM_POSITIONS
    kv = _kv_ref(engine)
    engine.release_idle_memory()  # after a job: a cache of typical size stays warm
    assert kv() is not None and engine.speech_tokenizer is not None
    engine.release_idle_memory(deep=True)  # idle: everything that is rebuilt on demand goes
    gc.collect()
    assert kv() is None and engine.llm.allocated_positions == 0
    assert engine.speech_tokenizer is None and engine.speaker_encoder is None
    again = engine.synthesize(request)
    assert [s.n_speech_tokens for s in again.segments] == [s.n_speech_tokens for s in first.segments]
    np.testing.assert_array_equal(again.audio, first.audio)


def test_a_cache_grown_by_a_long_segment_is_freed_after_the_job(tiny_engine):
    tiny_engine.llm.reset_cache(2 * KEEP_WARM_POSITIONS)  # what a long segment leaves behind
    kv = _kv_ref(tiny_engine)
    tiny_engine.release_idle_memory()
    gc.collect()
    assert kv() is None and tiny_engine.llm.allocated_positions == 0


def test_release_on_a_closed_engine_is_a_no_op(tiny_checkpoint):
    engine = Engine.load(EngineConfig(tiny_checkpoint, device="cpu"))
    engine.close()
    engine.release_idle_memory(deep=True)
    assert engine.is_closed


def test_between_segments_a_much_larger_cache_is_shrunk(tiny_engine):
    llm = tiny_engine.llm
    llm.reset_cache(2000)  # a long segment: a 2048-position bucket
    big = _kv_ref(tiny_engine)
    llm.reset_cache(600)  # needs the 1024 bucket: within 4x, the memory is reused
    assert llm.allocated_positions == 2048 and big() is not None
    llm.reset_cache(100)  # needs 256: more than 4x smaller, the cache is reallocated
    gc.collect()
    assert llm.allocated_positions == 256 and big() is None
