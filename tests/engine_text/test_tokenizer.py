"""TextTokenizer: BPE + added-token splitting, special ids, damaged folders."""

from __future__ import annotations

import base64
import json
import shutil
import time

import pytest

from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.engine.text import TextTokenizer, write_tokenizer_files

SAMPLES = [
    "Hello, world! It's 3:45 pm.",
    "今天天气很好，我们下午一起去公园散步吧。",
    "mixed 中文 and English\nnew line\ttab  two spaces",
    "emoji 😀 and rare 𠀀 chars ©®",
    "",
    " leading and trailing ",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_round_trip(tiny_tok, full_tok, text):
    for tok in (tiny_tok, full_tok):
        assert tok.decode(tok.encode(text)) == text


def test_tiny_loads_fast_and_has_the_layout(tiny_dir):
    t0 = time.perf_counter()
    tok = TextTokenizer.from_dir(tiny_dir)
    assert time.perf_counter() - t0 < 1.0
    assert tok.n_audio_tokens == 1024
    assert tok.special.ate == tok.special.ats + 1023
    assert tok.special.eoa == tok.special.pad + 7
    assert tok.special.boa == tok.special.pad + 14
    assert len(tok.phoneme_tokens) == 204 and "<|SH|>" in tok.phoneme_tokens
    assert tok.vocab_size == tok.special.ate + 1
    # real merges exist: a frequent English word is shorter than its byte count
    assert len(tok.encode(" the")) == 1
    assert tok.n_base_tokens > 256 + 200


def test_full_layout_hits_the_official_ids(full_tok):
    s = full_tok.special
    assert (s.pad, s.eoa, s.boa, s.ats, s.ate) == (59246, 59253, 59260, 61498, 94265)
    assert full_tok.n_audio_tokens == 32768
    assert full_tok.vocab_size == 98304
    assert full_tok.n_base_tokens == 59246
    assert full_tok.token_id("[gMASK]") == 59248
    assert full_tok.token_id("<|end_of_audio|>") == 59261


def test_added_tokens_are_split_out_and_bpe_in_between(tiny_tok):
    s = tiny_tok.special
    sh, ang1 = tiny_tok.token_id("<|SH|>"), tiny_tok.token_id("<|ANG1|>")
    ids = tiny_tok.encode("ab<|SH|><|ANG1|>cd<|audio_5|><|user|>")
    assert ids == tiny_tok.encode("ab") + [sh, ang1] + tiny_tok.encode("cd") + [s.ats + 5, s.eoa]
    # no BOS / [gMASK]<sop> prefix is added
    assert not any(tiny_tok.is_added(i) for i in tiny_tok.encode("hello"))
    assert tiny_tok.token_id("[gMASK]") not in tiny_tok.encode("hello")
    assert tiny_tok.encode("a") == [ord("a")]


def test_longest_added_token_wins(tiny_tok):
    s = tiny_tok.special
    # <|audio_10|> must not be read as <|audio_1|> followed by "0|>"
    assert tiny_tok.encode("<|audio_10|>") == [s.ats + 10]
    assert tiny_tok.encode("<|audio_1|>0") == [s.ats + 1] + tiny_tok.encode("0")
    # a broken added token is plain text
    broken = tiny_tok.encode("<|audio_5|")
    assert s.ats + 5 not in broken and tiny_tok.decode(broken) == "<|audio_5|"


def test_pretokenisation_matches_the_glm4_regex(tiny_tok):
    # the regex keeps a leading space with the word and splits digits in groups of three
    ids = tiny_tok.encode("1234567")
    pieces = [tiny_tok.token_bytes(i) for i in ids]
    assert b"".join(pieces) == b"1234567"
    bounds = set()  # no token crosses the 3-digit group boundaries 123|456|7
    pos = 0
    for p in pieces:
        pos += len(p)
        bounds.add(pos)
    assert {3, 6, 7} <= bounds


def test_token_id(tiny_tok):
    assert tiny_tok.token_id("<|begin_of_audio|>") == tiny_tok.special.boa
    assert tiny_tok.token_id("a") == ord("a")  # single bytes are ranks 0..255
    assert tiny_tok.token_id("not a token at all") is None


def test_decode_rejects_unknown_ids(tiny_tok):
    with pytest.raises(ValueError):
        tiny_tok.decode([tiny_tok.vocab_size + 10])


def test_missing_files_name_the_file(tiny_dir, tmp_path):
    with pytest.raises(MissingWeightsError, match="does not exist"):
        TextTokenizer.from_dir(tmp_path / "nope")
    d = tmp_path / "t"
    shutil.copytree(tiny_dir, d)
    (d / "tokenizer.model").unlink()
    with pytest.raises(MissingWeightsError, match="tokenizer.model"):
        TextTokenizer.from_dir(d)
    shutil.copy(tiny_dir / "tokenizer.model", d / "tokenizer.model")
    (d / "tokenizer_config.json").unlink()
    with pytest.raises(MissingWeightsError, match="tokenizer_config.json"):
        TextTokenizer.from_dir(d)


def test_damaged_files_are_reported(tiny_dir, tmp_path):
    d = tmp_path / "t"
    shutil.copytree(tiny_dir, d)
    with (d / "tokenizer.model").open("a") as f:
        f.write("!!!notbase64 12\n")
    with pytest.raises(CorruptWeightsError, match="tokenizer.model"):
        TextTokenizer.from_dir(d)
    shutil.copy(tiny_dir / "tokenizer.model", d / "tokenizer.model")
    (d / "tokenizer_config.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(CorruptWeightsError, match="tokenizer_config.json"):
        TextTokenizer.from_dir(d)


def test_missing_byte_tokens_are_corrupt(tiny_dir, tmp_path):
    d = tmp_path / "t"
    shutil.copytree(tiny_dir, d)
    lines = (d / "tokenizer.model").read_text().splitlines()
    kept = [ln for ln in lines if base64.b64decode(ln.split()[0]) != b"A"]
    (d / "tokenizer.model").write_text("\n".join(kept) + "\n")
    with pytest.raises(CorruptWeightsError, match="single-byte"):
        TextTokenizer.from_dir(d)


def _edit_config(d, fn):
    path = d / "tokenizer_config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    fn(cfg["added_tokens_decoder"])
    path.write_text(json.dumps(cfg), encoding="utf-8")


def test_non_contiguous_audio_tokens_are_corrupt(tiny_dir, tmp_path):
    d = tmp_path / "t"
    shutil.copytree(tiny_dir, d)

    def swap(table):
        a = next(k for k, v in table.items() if v["content"] == "<|audio_3|>")
        b = next(k for k, v in table.items() if v["content"] == "<|audio_4|>")
        table[a]["content"], table[b]["content"] = "<|audio_4|>", "<|audio_3|>"

    _edit_config(d, swap)
    with pytest.raises(CorruptWeightsError, match="contiguous"):
        TextTokenizer.from_dir(d)


def test_missing_special_token_is_corrupt(tiny_dir, tmp_path):
    d = tmp_path / "t"
    shutil.copytree(tiny_dir, d)

    def drop(table):
        k = next(k for k, v in table.items() if v["content"] == "<|user|>")
        del table[k]

    _edit_config(d, drop)
    with pytest.raises(CorruptWeightsError, match="user"):
        TextTokenizer.from_dir(d)


def test_writer_is_deterministic_and_writes_nothing_executable(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_tokenizer_files(a, size="tiny", seed=0)
    write_tokenizer_files(b, size="tiny", seed=0)
    assert sorted(p.name for p in a.iterdir()) == ["tokenizer.model", "tokenizer_config.json"]
    for name in ("tokenizer.model", "tokenizer_config.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    cfg = json.loads((a / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert "auto_map" not in cfg
    with pytest.raises(ValueError):
        write_tokenizer_files(tmp_path / "c", size="huge")


def test_rstrip_flag_strips_following_whitespace(tiny_dir, tmp_path):
    d = tmp_path / "t"
    shutil.copytree(tiny_dir, d)

    def flag(table):
        k = next(k for k, v in table.items() if v["content"] == "<|user|>")
        table[k]["rstrip"] = True

    _edit_config(d, flag)
    tok = TextTokenizer.from_dir(d)
    assert tok.encode("<|user|>   hi") == [tok.special.eoa] + tok.encode("hi")
