"""flow/config.yaml is read as plain data; HyperPyYAML tags are never evaluated."""

from __future__ import annotations

import pytest

from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.engine.flow import FlowConfig

# The released file, byte for byte (180 B, no trailing newline).
OFFICIAL = (
    "flow: !new:flow.flow.Flow\n    spkr_emb_adaLN: True\n    speech_token_cfg: False\n"
    "    remove_spkr_concat_condition: True\n    mel_dim: 80\n    mel_framerate: 50\n    input_frame_rate: 25"
)


def test_official_file_gives_released_sizes(tmp_path):
    p = tmp_path / "config.yaml"
    p.write_text(OFFICIAL)
    assert len(OFFICIAL.encode()) == 180
    cfg = FlowConfig.from_yaml(p)
    assert cfg == FlowConfig.full()
    assert (cfg.trans_dim, cfg.depth, cfg.heads, cfg.dim_head, cfg.ff_mult) == (768, 18, 12, 64, 2)
    assert (cfg.conv_layers, cfg.text_emb_dim, cfg.mel_dim, cfg.spk_dim) == (4, 512, 80, 192)
    assert (cfg.vocab_size, cfg.cfg_rate, cfg.input_frame_rate, cfg.mel_framerate) == (100000, 0.7, 25, 50)
    assert cfg.speech_token_cfg is False and cfg.t_scheduler == "cosine"


def test_full_config_writes_only_the_official_keys(tmp_path):
    text = FlowConfig.full().to_yaml()
    assert text.strip() == OFFICIAL


def test_tiny_round_trip_and_unknown_keys(tmp_path, caplog):
    cfg = FlowConfig.tiny(321)
    p = tmp_path / "config.yaml"
    p.write_text(cfg.to_yaml() + "    some_future_option: 3\n")
    with caplog.at_level("DEBUG", logger="glmtts_desktop.engine.flow.config"):
        assert FlowConfig.from_yaml(p) == cfg
    assert "some_future_option" in caplog.text


def test_tags_are_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    p = tmp_path / "config.yaml"
    p.write_text(
        f"evil: !!python/object/apply:os.system ['touch {marker}']\n"
        f"other: !apply:os.system ['touch {marker}']\n" + OFFICIAL
    )
    assert FlowConfig.from_yaml(p) == FlowConfig.full()
    assert not marker.exists()


def test_big_model_and_constructor_defaults(tmp_path):
    p = tmp_path / "config.yaml"
    p.write_text(
        "flow: !new:flow.flow.Flow\n  spkr_emb_adaLN: True\n  remove_spkr_concat_condition: True\n"
        "  big_model: True\n"
    )
    cfg = FlowConfig.from_yaml(p)
    assert (cfg.trans_dim, cfg.depth, cfg.heads) == (1024, 22, 16)
    # official constructor defaults when the keys are absent
    assert (cfg.input_frame_rate, cfg.mel_framerate, cfg.speech_token_cfg) == (12.5, 86, True)


@pytest.mark.parametrize(
    "text",
    [
        "flow: [unclosed",
        "something_else: 1\n",
        "flow: !new:flow.flow.Flow\n  spkr_emb_adaLN: False\n  remove_spkr_concat_condition: True\n",
        "flow: !new:flow.flow.Flow\n  spkr_emb_adaLN: True\n  remove_spkr_concat_condition: False\n",
        "flow: !new:flow.flow.Flow\n  spkr_emb_adaLN: True\n  remove_spkr_concat_condition: True\n  depth: x\n",
    ],
)
def test_bad_config_is_a_corrupt_weights_error(tmp_path, text):
    p = tmp_path / "config.yaml"
    p.write_text(text)
    with pytest.raises(CorruptWeightsError) as info:
        FlowConfig.from_yaml(p)
    assert str(p) in info.value.message


def test_missing_config(tmp_path):
    with pytest.raises(MissingWeightsError) as info:
        FlowConfig.from_yaml(tmp_path / "config.yaml")
    assert "config.yaml" in info.value.message and info.value.hint
