"""load_flow / write_random_flow: official layout, round trip and strict, typed failures."""

from __future__ import annotations

import shutil
import zipfile

import pytest
import torch
from flow_helpers import TINY_VOCAB, flow_inputs

from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.engine.flow import FlowConfig, load_flow


def test_written_files_have_the_official_layout(tiny_flow_dir):
    text = (tiny_flow_dir / "config.yaml").read_text()
    assert text.startswith("flow: !new:flow.flow.Flow\n    spkr_emb_adaLN: True\n")
    assert zipfile.is_zipfile(tiny_flow_dir / "flow.pt")
    sd = torch.load(tiny_flow_dir / "flow.pt", map_location="cpu", weights_only=True)
    assert type(sd) is dict and all(k.startswith("estimator.") for k in sd)
    assert "estimator.rotary_embed.inv_freq" in sd
    assert sd["estimator.text_emb_layer.text_embed.weight"].shape[0] == TINY_VOCAB + 1
    assert not list(tiny_flow_dir.glob("*.tmp"))


def test_round_trip_is_exact(tiny_flow_dir, tiny_flow):
    sd = torch.load(tiny_flow_dir / "flow.pt", map_location="cpu", weights_only=True)
    loaded = tiny_flow.state_dict()
    assert sd.keys() == loaded.keys()
    assert all(torch.equal(sd[k], loaded[k]) for k in sd)
    assert tiny_flow.cfg == FlowConfig.tiny(TINY_VOCAB)
    assert not any(p.requires_grad for p in tiny_flow.parameters())


def test_same_seed_same_weights(tmp_path, tiny_flow_dir):
    from glmtts_desktop.engine.flow import write_random_flow

    write_random_flow(tmp_path, size="tiny", vocab_size=TINY_VOCAB, seed=0)
    a = torch.load(tmp_path / "flow.pt", weights_only=True)
    b = torch.load(tiny_flow_dir / "flow.pt", weights_only=True)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_model_wrapper_dict_is_accepted(tmp_path, tiny_flow_dir, tiny_flow):
    d = tmp_path / "flow"
    d.mkdir()
    shutil.copy(tiny_flow_dir / "config.yaml", d)
    sd = torch.load(tiny_flow_dir / "flow.pt", weights_only=True)
    torch.save({"model": sd, "epoch": 3}, d / "flow.pt")
    model = load_flow(d)
    pt, tk, pm, emb = flow_inputs(6, 6, 10)
    x0 = torch.randn(1, 24, 80)
    assert torch.equal(
        model.synthesize(pt, tk, pm, emb, steps=2, noise=x0),
        tiny_flow.synthesize(pt, tk, pm, emb, steps=2, noise=x0),
    )


def _copy_with(tmp_path, tiny_flow_dir, mutate):
    d = tmp_path / "flow"
    d.mkdir()
    shutil.copy(tiny_flow_dir / "config.yaml", d)
    sd = torch.load(tiny_flow_dir / "flow.pt", weights_only=True)
    mutate(sd)
    torch.save(sd, d / "flow.pt")
    return d


def test_missing_key(tmp_path, tiny_flow_dir):
    d = _copy_with(tmp_path, tiny_flow_dir, lambda sd: sd.pop("estimator.rotary_embed.inv_freq"))
    with pytest.raises(CorruptWeightsError) as info:
        load_flow(d)
    assert "estimator.rotary_embed.inv_freq" in info.value.message and "flow.pt" in info.value.message
    assert info.value.hint


def test_unexpected_key(tmp_path, tiny_flow_dir):
    d = _copy_with(
        tmp_path, tiny_flow_dir, lambda sd: sd.__setitem__("estimator.extra.weight", torch.zeros(2))
    )
    with pytest.raises(CorruptWeightsError, match="estimator.extra.weight"):
        load_flow(d)


def test_wrong_shape(tmp_path, tiny_flow_dir):
    key = "estimator.proj_out.weight"
    d = _copy_with(tmp_path, tiny_flow_dir, lambda sd: sd.__setitem__(key, torch.zeros(81, 128)))
    with pytest.raises(CorruptWeightsError, match=r"proj_out.weight \(81, 128\)"):
        load_flow(d)


def test_truncated_file(tmp_path, tiny_flow_dir):
    d = tmp_path / "flow"
    d.mkdir()
    shutil.copy(tiny_flow_dir / "config.yaml", d)
    data = (tiny_flow_dir / "flow.pt").read_bytes()
    (d / "flow.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptWeightsError) as info:
        load_flow(d)
    assert "flow.pt" in info.value.message and info.value.detail


def test_garbage_file(tmp_path, tiny_flow_dir):
    d = tmp_path / "flow"
    d.mkdir()
    shutil.copy(tiny_flow_dir / "config.yaml", d)
    (d / "flow.pt").write_bytes(b"<html>404 not found</html>" * 10)
    with pytest.raises(CorruptWeightsError):
        load_flow(d)


class Payload:
    def __reduce__(self):
        return (print, ("code ran",))


def test_pickled_code_is_refused(tmp_path, tiny_flow_dir, capsys):
    d = tmp_path / "flow"
    d.mkdir()
    shutil.copy(tiny_flow_dir / "config.yaml", d)
    torch.save({"model": Payload()}, d / "flow.pt")
    with pytest.raises(CorruptWeightsError):
        load_flow(d)
    assert "code ran" not in capsys.readouterr().out


def test_missing_files(tmp_path, tiny_flow_dir):
    with pytest.raises(MissingWeightsError, match="config.yaml"):
        load_flow(tmp_path)
    shutil.copy(tiny_flow_dir / "config.yaml", tmp_path)
    with pytest.raises(MissingWeightsError, match="flow.pt"):
        load_flow(tmp_path)


def test_config_and_weights_must_agree(tmp_path, tiny_flow_dir):
    d = tmp_path / "flow"
    d.mkdir()
    shutil.copy(tiny_flow_dir / "flow.pt", d)
    (d / "config.yaml").write_text(FlowConfig.tiny(TINY_VOCAB + 5).to_yaml())
    with pytest.raises(CorruptWeightsError, match="text_embed.weight"):
        load_flow(d)
