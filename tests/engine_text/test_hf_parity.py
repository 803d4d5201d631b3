"""Our TextTokenizer against HF's slow-tokenizer machinery on the same files.

The official checkpoint runs ChatGLM4Tokenizer (a slow PreTrainedTokenizer around tiktoken)
through remote code. Here an equivalent minimal subclass, written in this test, gets the same
rank file and added-token table, so HF's own added-token splitting is the reference.
"""

from __future__ import annotations

import base64
import json
import random
import shutil

import pytest

transformers = pytest.importorskip("transformers")

from glmtts_desktop.engine.text import TextTokenizer  # noqa: E402
from glmtts_desktop.engine.text.tokenizer import PAT_STR  # noqa: E402


def _hf_tokenizer(folder):
    import tiktoken
    from transformers import PreTrainedTokenizer
    from transformers.tokenization_utils_base import AddedToken

    ranks = {}
    for line in (folder / "tokenizer.model").read_bytes().splitlines():
        b64, rank = line.split()
        ranks[base64.b64decode(b64)] = int(rank)

    class GlmLike(PreTrainedTokenizer):
        vocab_files_names: dict = {}

        def __init__(self, **kw):
            self.ranks = ranks
            self.by_id = {v: k for k, v in ranks.items()}
            self.bpe = tiktoken.Encoding(
                name="ref", pat_str=PAT_STR, mergeable_ranks=ranks, special_tokens={}
            )
            super().__init__(**kw)

        @property
        def vocab_size(self):
            return len(self.ranks)

        def get_vocab(self):
            vocab = dict(self.ranks)
            vocab.update(self.added_tokens_encoder)
            return vocab

        def _tokenize(self, text, **kw):
            return [self.by_id[i] for i in self.bpe.encode_ordinary(text)]

        def _convert_token_to_id(self, token):
            return self.ranks[token] if isinstance(token, bytes) else self.added_tokens_encoder[token]

        def _convert_id_to_token(self, index):
            return self.by_id[index]

        def convert_tokens_to_string(self, tokens):
            return b"".join(t if isinstance(t, bytes) else t.encode() for t in tokens).decode(
                "utf-8", "replace"
            )

    cfg = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    added = {
        int(k): AddedToken(
            v["content"],
            lstrip=v["lstrip"],
            rstrip=v["rstrip"],
            normalized=v["normalized"],
            single_word=v["single_word"],
            special=v["special"],
        )
        for k, v in cfg["added_tokens_decoder"].items()
    }
    return GlmLike(added_tokens_decoder=added, clean_up_tokenization_spaces=False)


PIECES = [
    "hello",
    " world",
    "你好",
    "，",
    "<|user|>",
    "<|SH|>",
    "<|ANG1|>",
    "<|audio_1|>",
    "<|audio_10|>",
    "0",
    "<|audio_5|",
    "  ",
    "\n",
    "😀",
    "[gMASK]",
    "<sop>",
    "It's",
    " 12345",
    "<|begin_of_audio|>",
    "<|",
    "|>",
    "a<|",
    "ＡＢ",
    "\t",
]


def _corpus(n=150, seed=0):
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12))) for _ in range(n)]


def test_encode_matches_hf_slow_tokenizer(tiny_dir, tiny_tok):
    hf = _hf_tokenizer(tiny_dir)
    for text in _corpus():
        assert tiny_tok.encode(text) == hf.encode(text, add_special_tokens=False), text


def test_lstrip_rstrip_flags_match_hf(tiny_dir, tmp_path):
    d = tmp_path / "tok"
    shutil.copytree(tiny_dir, d)
    path = d / "tokenizer_config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    for entry in cfg["added_tokens_decoder"].values():
        if entry["content"] == "<|user|>":
            entry["lstrip"] = entry["rstrip"] = True
    path.write_text(json.dumps(cfg), encoding="utf-8")
    ours, hf = TextTokenizer.from_dir(d), _hf_tokenizer(d)
    for text in _corpus(seed=1) + ["a  <|user|>  b", "<|user|>\n\nx", " <|user|> "]:
        assert ours.encode(text) == hf.encode(text, add_special_tokens=False), text
