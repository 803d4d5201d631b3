"""Our SpeechLM against transformers' LlamaForCausalLM on the same files (fp32).

transformers is a test-only dependency: it is the independent reference for the Llama maths.
"""

from __future__ import annotations

import pytest
import torch

from glmtts_desktop.engine.llm import build_input_ids, generate_speech_tokens, load_llm

transformers = pytest.importorskip("transformers")

CPU = torch.device("cpu")
REL_TOL = 1e-4


def _hf(path):
    model = transformers.LlamaForCausalLM.from_pretrained(
        path, dtype=torch.float32, attn_implementation="eager"
    )
    return model.eval()


def _rel_err(ours: torch.Tensor, ref: torch.Tensor) -> float:
    return float((ours - ref).abs().max() / ref.abs().max())


@pytest.mark.parametrize("which", ["tiny_dir", "lively_dir"])
def test_forward_full_matches_hf(request, which):
    path = request.getfixturevalue(which)
    ours, ref = load_llm(path, device=CPU, dtype=torch.float32), _hf(path)
    ids = torch.randint(0, ours.config.vocab_size, (1, 57), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = ref(input_ids=ids).logits
    got = ours.forward_full(ids)
    assert got.shape == expected.shape == (1, 57, ours.config.vocab_size)
    assert got.dtype == torch.float32
    assert _rel_err(got, expected) < REL_TOL


def test_prefill_and_decode_steps_match_hf(lively_dir):
    ours, ref = load_llm(lively_dir, device=CPU, dtype=torch.float32), _hf(lively_dir)
    ids = torch.randint(0, ours.config.vocab_size, (1, 40), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = ref(input_ids=ids).logits[0]
    ours.reset_cache(64)
    got = [ours.prefill(ids[:, :25])[0]]
    for j in range(25, 40):
        got.append(ours.decode_step(ids[:, j : j + 1])[0])
    assert _rel_err(torch.stack(got), expected[24:]) < REL_TOL


def test_cache_is_reusable_across_segments(lively_dir):
    """A second, shorter prefill must not see the first segment's stale cache entries."""
    model = load_llm(lively_dir, device=CPU, dtype=torch.float32)
    gen = torch.Generator().manual_seed(2)
    long_ids = torch.randint(0, 300, (1, 30), generator=gen)
    short_ids = torch.randint(0, 300, (1, 8), generator=gen)
    model.reset_cache(48)
    model.prefill(long_ids)
    for j in range(5):
        model.decode_step(long_ids[:, j : j + 1])
    model.reset_cache(48)
    got = [model.prefill(short_ids[:, :5])[0]] + [
        model.decode_step(short_ids[:, j : j + 1])[0] for j in range(5, 8)
    ]
    expected = model.forward_full(short_ids)[0, 4:]
    assert torch.allclose(torch.stack(got), expected, rtol=0, atol=1e-4 * float(expected.abs().max()))


def test_greedy_generation_matches_naive_hf_loop(lively_dir, special):
    """Token-for-token equality with the reference loop shape: HF forward + DynamicCache per step."""
    ours, ref = load_llm(lively_dir, device=CPU, dtype=torch.float32), _hf(lively_dir)
    prompt_text, text, prompt_speech = list(range(7, 19)), list(range(19, 27)), [3, 99, 17, 240, 0, 5, 61]
    ids = build_input_ids(prompt_text, text, prompt_speech, special)
    text_len = len(text)
    min_len, max_len = int(text_len * 2), int(text_len * 20)

    valid = torch.zeros(300, dtype=torch.bool)
    valid[special.ats : special.ats + special.n_audio_tokens] = True
    valid[special.eoa] = True
    expected: list[int] = []
    with torch.no_grad():
        cache = transformers.DynamicCache()
        out = ref(input_ids=torch.tensor([ids]), past_key_values=cache, use_cache=True)
        for i in range(max_len):
            scores = out.logits[0, -1].log_softmax(-1).masked_fill(~valid, float("-inf"))
            if i < min_len:
                scores[special.eoa] = float("-inf")
            tok = int(scores.argmax())
            if tok == special.eoa:
                break
            expected.append(tok - special.ats)
            out = ref(input_ids=torch.tensor([[tok]]), past_key_values=out.past_key_values, use_cache=True)

    got = generate_speech_tokens(
        ours, ids, text_len=text_len, special=special, method="greedy", generator=torch.Generator()
    )
    assert len(set(expected)) > 5, "the reference sequence should be varied for this test to mean much"
    assert got.ids == expected
    assert got.n_prefill == len(ids)
    assert got.hit_max_length == (len(expected) == max_len)


def test_bf16_load_is_close_to_fp32(tiny_dir):
    ids = torch.randint(0, 300, (1, 20), generator=torch.Generator().manual_seed(4))
    f32 = load_llm(tiny_dir, device=CPU, dtype=torch.float32)
    b16 = load_llm(tiny_dir, device=CPU, dtype=torch.bfloat16)
    for name, p in b16.state_dict().items():
        assert p.dtype == torch.bfloat16
        assert torch.equal(p, f32.state_dict()[name].to(torch.bfloat16)), name
    a, b = f32.forward_full(ids)[0], b16.forward_full(ids)[0]
    cos = torch.nn.functional.cosine_similarity(a, b, dim=-1)
    assert float(cos.min()) > 0.99


def test_decode_guards(tiny_dir):
    model = load_llm(tiny_dir, device=CPU, dtype=torch.float32)
    model.reset_cache(4)
    with pytest.raises(RuntimeError, match="before prefill"):
        model.decode_step(torch.tensor([[1]]))
    model.prefill(torch.tensor([[1, 2, 3]]))
    model.decode_step(torch.tensor([[4]]))
    assert model.position == 4
    with pytest.raises(RuntimeError, match="full"):
        model.decode_step(torch.tensor([[5]]))
    with pytest.raises(ValueError):
        model.forward_full(torch.tensor([1, 2, 3]))
    model.release_cache()
    assert model.cache_capacity == 0
    with pytest.raises(RuntimeError, match="before prefill"):
        model.decode_step(torch.tensor([[5]]))
    logits = model.prefill(torch.tensor([[1, 2, 3]]))  # allocates again, just enough for the prompt
    assert model.cache_capacity == 3 and torch.allclose(
        logits, model.forward_full(torch.tensor([[1, 2, 3]]))[:, -1]
    )


def test_checkpoint_names_are_kept_by_the_fused_model(tiny_dir):
    model = load_llm(tiny_dir, device=CPU, dtype=torch.float32)
    assert model.fused and "model.layers.0.self_attn.qkv_proj.weight" in model.state_dict()
    keys = set(model.checkpoint_tensors())
    assert "lm_head.weight" not in keys
    assert "model.embed_tokens.weight" in keys and "model.norm.weight" in keys
    per_layer = {
        "input_layernorm",
        "post_attention_layernorm",
        "self_attn.q_proj",
        "self_attn.k_proj",
        "self_attn.v_proj",
        "self_attn.o_proj",
        "mlp.gate_proj",
        "mlp.up_proj",
        "mlp.down_proj",
    }
    assert keys == {"model.embed_tokens.weight", "model.norm.weight"} | {
        f"model.layers.{i}.{p}.weight" for i in range(2) for p in per_layer
    }
