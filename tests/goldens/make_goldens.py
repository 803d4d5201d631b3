"""Make the official-implementation goldens in this folder (run by hand, never in CI).

Usage (a scratch environment with the official code's dependencies; see README.md here):

    PYTHONPATH=/tmp/offdeps:/path/to/GLM-TTS python tests/goldens/make_goldens.py \
        --official /path/to/GLM-TTS --out tests/goldens

It builds tiny versions of the official modules (flow DiT, HiFT, the Llama LLM) with random
weights, saves those weights in the official checkpoint layout under ``ckpt/``, and records the
official outputs for fixed inputs as ``.npz`` files; text stages go to ``text.json``. The official
code is imported from ``--official`` and never copied here: this file is our own driver.
Nothing in this script imports ``glmtts_desktop``: the goldens must not depend on our code.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

SEED = 20261204
FLOW = dict(trans_dim=32, depth=2, heads=2, dim_head=16, ff_mult=2, conv_layers=1, speech_token_dim=32)
FLOW_VOCAB = 300  # speech-token ids 0..299
HIFT_CHANNELS = 16
LLM = dict(
    vocab_size=384,
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=16,
    max_position_embeddings=256,
    rms_norm_eps=1e-5,
    rope_theta=10000.0,
    tie_word_embeddings=True,
)


def randomise(module: torch.nn.Module, gen: torch.Generator) -> None:
    """Replace every parameter with a well-scaled random value (no zero-initialised layers).

    Several official layers start at zero (adaLN-Zero, output projections), which would make a
    golden blind to whatever follows them; random weights of the right scale exercise it all.
    """
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(fan_in))
            else:
                base = 1.0 if ("norm" in name and name.endswith("weight")) else 0.0
                p.copy_(base + 0.1 * torch.randn(p.shape, generator=gen))


def official_commit(official: Path) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(official), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return (official / "COMMIT").read_text().strip() if (official / "COMMIT").exists() else "unknown"


# ---------------------------------------------------------------------------------------- flow
def make_flow(out: Path, gen: torch.Generator) -> None:
    from flow.dit import DiT  # type: ignore[import-not-found]
    from flow.flow import Flow  # type: ignore[import-not-found]

    flow = Flow(
        speech_token_dim=FLOW["speech_token_dim"],
        vocab_size=FLOW_VOCAB,
        input_frame_rate=25,
        mel_dim=80,
        spkr_emb_adaLN=True,
        speech_token_cfg=False,
        remove_spkr_concat_condition=True,
        mel_framerate=50,
    )
    # The official constructor hard-codes the released DiT width; the same class, smaller.
    flow.estimator = DiT(
        trans_dim=FLOW["trans_dim"],
        depth=FLOW["depth"],
        heads=FLOW["heads"],
        dim_head=FLOW["dim_head"],
        ff_mult=FLOW["ff_mult"],
        text_emb_dim=FLOW["speech_token_dim"],
        conv_layers=FLOW["conv_layers"],
        mel_dim=80,
        text_vocab_size=FLOW_VOCAB,
        condition_dim=80,
        spkr_emb_adaLN=True,
        wav_lm_emb=False,
    )
    randomise(flow, gen)
    flow.eval()
    folder = out / "ckpt" / "flow"
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(flow.state_dict(), folder / "flow.pt")
    lines = [
        "flow: !new:flow.flow.Flow",
        "    spkr_emb_adaLN: True",
        "    speech_token_cfg: False",
        "    remove_spkr_concat_condition: True",
        "    mel_dim: 80",
        "    mel_framerate: 50",
        "    input_frame_rate: 25",
        f"    speech_token_dim: {FLOW['speech_token_dim']}",
        f"    vocab_size: {FLOW_VOCAB}",
        "    # sizes of this tiny DiT (not official constructor arguments; see README.md)",
    ] + [f"    {k}: {FLOW[k]}" for k in ("trans_dim", "depth", "heads", "dim_head", "ff_mult", "conv_layers")]
    (folder / "config.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # one DiT call
    n_tok, frames = 12, 24
    x = torch.randn(1, frames, 80, generator=gen)
    cond = torch.randn(1, frames, 80, generator=gen)
    cond[:, frames // 2 :] = 0.0
    tokens = torch.randint(0, FLOW_VOCAB, (1, n_tok), generator=gen)
    spk = torch.nn.functional.normalize(torch.randn(1, 192, generator=gen), dim=1)
    t = torch.tensor([0.37])
    with torch.inference_mode():
        v = flow.estimator(
            middle_point_btd=x,
            condition_btd=cond,
            text=tokens,
            time_step_1d=t,
            padding_mask_bt=torch.ones(1, frames, dtype=torch.bool),
            spkr_emb_bd=spk,
        )
    # a few Euler steps with CFG, x0 fixed: the official draws it with randn_like after a seed
    p_tok, g_tok, steps = 10, 8, 4
    prompt_tokens = torch.randint(0, FLOW_VOCAB, (1, p_tok), generator=gen)
    new_tokens = torch.randint(0, FLOW_VOCAB, (1, g_tok), generator=gen)
    prompt_mel = torch.randn(1, 2 * p_tok, 80, generator=gen) - 4.0
    embedding = torch.randn(1, 192, generator=gen) * 3.0  # raw: the flow normalises it
    total = int((p_tok + g_tok) / 25 * 50)
    torch.manual_seed(SEED)
    x0 = torch.randn(1, total, 80)
    torch.manual_seed(SEED)
    with torch.inference_mode():
        mel, _ = flow.inference_with_cache(
            token=new_tokens,
            prompt_token=prompt_tokens,
            prompt_feat=prompt_mel,
            embedding=embedding,
            n_timesteps=steps,
        )
    np.savez(
        out / "flow.npz",
        dit_x=x.numpy(),
        dit_cond=cond.numpy(),
        dit_tokens=tokens.numpy(),
        dit_t=t.numpy(),
        dit_spk=spk.numpy(),
        dit_velocity=v.numpy(),
        prompt_tokens=prompt_tokens.numpy(),
        tokens=new_tokens.numpy(),
        prompt_mel=prompt_mel.numpy(),
        embedding=embedding.numpy(),
        x0=x0.numpy(),
        steps=np.int64(steps),
        mel=mel.numpy(),
    )


# ---------------------------------------------------------------------------------------- HiFT
def make_hift(out: Path, gen: torch.Generator) -> None:
    from cosyvoice.hifigan_cosy2.f0_predictor import ConvRNNF0Predictor  # type: ignore[import-not-found]
    from cosyvoice.hifigan_cosy2.generator import HiFTGenerator  # type: ignore[import-not-found]

    hift = HiFTGenerator(  # the official 24 kHz settings (utils/hift_util.py), narrower channels
        in_channels=80,
        base_channels=HIFT_CHANNELS,
        nb_harmonics=8,
        sampling_rate=24000,
        nsf_alpha=0.1,
        nsf_sigma=0.003,
        nsf_voiced_threshold=10,
        upsample_rates=[8, 5, 3],
        upsample_kernel_sizes=[16, 11, 7],
        istft_params={"n_fft": 16, "hop_len": 4},
        resblock_kernel_sizes=[3, 7, 11],
        resblock_dilation_sizes=[[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        source_resblock_kernel_sizes=[7, 7, 11],
        source_resblock_dilation_sizes=[[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        lrelu_slope=0.1,
        audio_limit=0.99,
        f0_predictor=ConvRNNF0Predictor(num_class=1, in_channels=80, cond_channels=HIFT_CHANNELS),
    )
    hift.eval()
    folder = out / "ckpt" / "hift"
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(hift.state_dict(), folder / "hift.pt")
    frames = 16
    mel = torch.randn(1, 80, frames, generator=gen) * 1.5 - 5.0
    torch.manual_seed(SEED)  # the source's phases and noise come from the global generator
    with torch.inference_mode():
        wav, _ = hift.inference(speech_feat=mel)
    np.savez(out / "hift.npz", mel=mel.numpy(), seed=np.int64(SEED), wav=wav.numpy())


# ---------------------------------------------------------------------------------------- LLM
def make_llm(out: Path, gen: torch.Generator, official: Path) -> None:
    from llm.glmtts import GLMTTS  # type: ignore[import-not-found]

    folder = out / "ckpt" / "llm"
    folder.mkdir(parents=True, exist_ok=True)
    config = dict(LLM, architectures=["LlamaForCausalLM"], model_type="llama", hidden_act="silu")
    config.update(attention_bias=False, mlp_bias=False, torch_dtype="float32", bos_token_id=1, eos_token_id=2)
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    model = GLMTTS(
        llama_cfg_path=str(folder / "config.json"),
        mode="PRETRAIN",
        spk_prompt_dict_path=str(official / "configs" / "spk_prompt_dict.yaml"),
    )
    randomise(model.llama, gen)
    model.llama.tie_weights()
    model.eval()
    model.llama.save_pretrained(folder, safe_serialization=True)
    (folder / "generation_config.json").unlink(missing_ok=True)

    ids = torch.randint(0, LLM["vocab_size"], (1, 40), generator=gen)
    with torch.inference_mode():
        full = model.llama(input_ids=ids).logits[0]
        # the official decoding loop: embeddings in, KV cache carried, one token at a time (greedy)
        embeds = model.llama_embedding(ids)
        past, greedy, step_logits = None, [], []
        for _ in range(12):
            res = model.llama(inputs_embeds=embeds, past_key_values=past, use_cache=True, return_dict=True)
            past = res["past_key_values"]
            logits = res["logits"][:, -1]
            step_logits.append(logits[0])
            token = int(logits.argmax(-1))
            greedy.append(token)
            embeds = model.llama_embedding(torch.LongTensor([token]))[None]
    np.savez(
        out / "llm.npz",
        input_ids=ids.numpy(),
        full_logits=full.numpy(),
        step_logits=torch.stack(step_logits).numpy(),
        greedy=np.asarray(greedy, dtype=np.int64),
    )


# ---------------------------------------------------------------------------------------- text
G2P_TEXTS = [
    "我们一起去银行。",
    "他长大了，头发也长了。",
    "这个音乐很好听，我们一起唱歌吧！",
    "弦外之音，对弈一局。",
    "乡音无改鬓毛衰。",
    "重新开始OK吗？还是重要的事情。",
]
SPLIT_TEXTS = [
    "今天天气很好，我们一起去公园散步吧。公园里有很多人，有的在跑步，有的在打太极拳，"
    "还有的在唱歌跳舞。我们走了一个多小时，觉得有点累了，就找了一张长椅坐下来休息。",
    "The quick brown fox jumps over the lazy dog. It was a bright cold day in April, and the "
    "clocks were striking thirteen. Nobody expected the weather to change so quickly that afternoon.",
    "我们明天开会讨论 the new release plan，请大家提前准备好材料。会议大约一个小时，"
    "结束以后 we will have lunch together。",
]


NORMALIZE_TEXTS = [
    "今天是2024年3月5日，气温25度。",
    "他的电话是13800138000。",
    "这件衣服打8.5折，只要199元。",
    "会议在下午3:30开始，请准时参加。",
    "我们公司有1200名员工，增长了15%。",
    "第3章讲的是1/4和0.75的关系。",
    "价格是$1,250，很贵。",
    "他跑了100米，用时12.5秒。",
    "I have 3 apples and 2 oranges.",
    "The meeting is at 10:30 am on May 5th, 2024.",
    "It costs $19.99, doesn't it?",
    "Dr. Smith lives at 221B Baker Street.",
    "We've grown 25% since 1999.",
    "你好，world！今天 is a good day。",
    "这是2万3千元，不是两万三。",
    "我住在3楼302室。",
]


def _stub_text_normalisers() -> None:
    """The official frontend imports WeTextProcessing (pynini) at import time. Where it is not
    installed, its two classes are replaced by inert stand-ins and no normalisation is recorded."""
    import types

    class _Inert:
        def __init__(self, *args, **kwargs) -> None:
            pass

    for name in ("tn", "tn.chinese", "tn.english", "tn.chinese.normalizer", "tn.english.normalizer"):
        module = types.ModuleType(name)
        module.Normalizer = _Inert  # type: ignore[attr-defined]
        sys.modules.setdefault(name, module)


def make_text(out: Path) -> dict:
    """Phoneme mode (g2p_infer) and length splitting (split_by_len) of the official frontend."""
    import contextlib
    import importlib.util
    import io

    real_normaliser = importlib.util.find_spec("tn") is not None
    if not real_normaliser:
        _stub_text_normalisers()
    from cosyvoice.cli.frontend import TextFrontEnd  # type: ignore[import-not-found]

    with contextlib.redirect_stdout(io.StringIO()):
        frontend = TextFrontEnd(use_phoneme=True)
    used = {ch for text in G2P_TEXTS for ch in text}
    result = {}
    if real_normaliser:
        from importlib.metadata import version

        result["normalize_by"] = f"WeTextProcessing {version('WeTextProcessing')}"
        result["normalize"] = {text: frontend.text_normalize(text) for text in NORMALIZE_TEXTS}
    return result | {
        "g2p": {text: frontend.g2p_infer(text) for text in G2P_TEXTS},
        # the official keep list (configs/G2P_able_1word.json), only the characters used above
        "g2p_keep_chars": sorted(ch for ch in frontend.able_list if ch in used),
        "g2p_replace_dict": frontend.replace_dict,
        "split_by_len": {text: frontend.split_by_len(text) for text in SPLIT_TEXTS},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official", type=Path, required=True, help="checkout of github.com/zai-org/GLM-TTS")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--commit", default="", help="official commit, when --official is not a git checkout")
    args = parser.parse_args()
    args.out = args.out.resolve()
    official = args.official.resolve()
    sys.path.insert(0, str(official))
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(SEED)  # the official constructors draw their initial weights globally
    args.out.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(SEED)
    make_flow(args.out, gen)
    make_hift(args.out, gen)
    make_llm(args.out, gen, official)
    os.chdir(official)  # the official frontend reads some resources relative to the cwd
    text = make_text(args.out)
    meta = {
        "official_repository": "https://github.com/zai-org/GLM-TTS",
        "official_commit": args.commit or official_commit(official),
        "torch": torch.__version__,
        "transformers": __import__("transformers").__version__,
        "x_transformers": __import__("importlib.metadata").metadata.version("x_transformers"),
        "seed": SEED,
        "flow": dict(FLOW, vocab_size=FLOW_VOCAB),
        "hift_base_channels": HIFT_CHANNELS,
        "llm": LLM,
    }
    (args.out / "text.json").write_text(
        json.dumps(text, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (args.out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
