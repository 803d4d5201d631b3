from __future__ import annotations

import numpy as np
import pytest
from audio_signals import noise, speech_like

from glmtts_desktop.audio import analyze, auto_trim, check_reference, trim_silence

SR = 16000


def codes(x: np.ndarray, sr: int = SR) -> dict[str, str]:
    return {i.code: i.severity for i in check_reference(analyze(x, sr))}


def test_clean_six_seconds_has_no_issue():
    x = speech_like(6.0, SR) + noise(6.0, SR, 1e-4)
    a = analyze(x, SR)
    assert check_reference(a) == []
    assert 4.0 < a.speech_duration <= 6.0
    assert a.snr_db > 30
    assert a.peak_dbfs == pytest.approx(20 * np.log10(np.abs(x).max()), abs=0.01)


def test_silent_is_an_error():
    assert codes(np.zeros(SR * 4, np.float32)) == {"silent": "error"}
    assert codes(noise(4.0, SR, 1e-4)) == {"silent": "error"}


def test_too_short_and_short():
    pad = np.zeros(SR, np.float32)
    assert codes(np.concatenate([pad, speech_like(1.2, SR), pad]))["too_short"] == "error"
    got = codes(np.concatenate([pad, speech_like(2.5, SR), pad]))
    assert got.get("short") == "warning" and "too_short" not in got


def test_too_long_is_a_warning():
    got = codes(speech_like(40.0, SR))
    assert got["too_long"] == "warning" and all(v != "error" for v in got.values())
    assert codes(speech_like(20.0, SR)).get("long") == "info"


def test_clipped():
    x = np.clip(speech_like(5.0, SR, level=3.0), -1.0, 1.0)
    a = analyze(x, SR)
    assert a.clipping_ratio > 0.01
    assert codes(x)["clipped"] == "warning"
    # a loud but unclipped recording (peak at 0.99) is fine
    assert "clipped" not in codes(speech_like(5.0, SR, level=0.99))


def test_quiet():
    assert codes(speech_like(5.0, SR, level=0.004))["quiet"] == "warning"


def test_noisy():
    x = speech_like(6.0, SR, level=0.3) + noise(6.0, SR, 0.03)
    a = analyze(x, SR)
    assert 3 < a.snr_db < 15
    assert codes(x)["noisy"] == "warning"


def test_leading_and_trailing_silence_and_trim():
    x = np.concatenate([np.zeros(2 * SR), speech_like(4.0, SR), np.zeros(3 * SR)]).astype(np.float32)
    loud = np.flatnonzero(np.abs(x) > 1e-3)
    first, last = loud[0] / SR, loud[-1] / SR  # where the signal really starts and ends
    a = analyze(x, SR)
    assert a.leading_silence == pytest.approx(first, abs=0.05)
    assert a.trailing_silence == pytest.approx(len(x) / SR - last, abs=0.05)
    start, end = trim_silence(x, SR)
    assert abs(start / SR - first) < 0.1 and abs(end / SR - last) < 0.1
    assert trim_silence(np.zeros(SR, np.float32), SR) == (0, 0)


def test_auto_trim_finds_the_speech_in_a_long_noisy_file():
    rng_noise = noise(60.0, SR, 0.002)
    x = rng_noise.copy()
    speech = speech_like(7.0, SR, level=0.4, seed=3)
    at = 31 * SR
    x[at : at + len(speech)] += speech
    x[5 * SR : 5 * SR + 2000] += 0.5  # a click far away must not win
    start, end = auto_trim(x, SR)
    assert abs(start - at) < 0.3 * SR
    assert abs(end - (at + len(speech))) < 0.4 * SR
    assert 3 * SR <= end - start <= 10 * SR


def test_auto_trim_limits_long_continuous_speech_to_max_and_cuts_at_pauses():
    x = speech_like(45.0, SR, seed=5)
    start, end = auto_trim(x, SR, max_seconds=10.0)
    assert 3 * SR <= end - start <= 10 * SR
    # the cut points fall in pauses: near-silent around both edges
    assert np.abs(x[max(0, start - 200) : start + 200]).max() < 0.05 or start == 0
    assert np.abs(x[end - 200 : end + 200]).max() < 0.05


def test_auto_trim_avoids_a_clipped_part():
    pause = np.zeros(SR, np.float32)
    clean = speech_like(6.0, SR, level=0.5, seed=1)
    clipped = np.clip(speech_like(6.0, SR, level=4.0, seed=2), -1, 1)
    x = np.concatenate([clipped, pause, pause, clean, pause]).astype(np.float32)
    start, end = auto_trim(x, SR, max_seconds=8.0)
    clean_at = len(clipped) + 2 * SR
    assert start >= clean_at - 0.3 * SR and end <= clean_at + len(clean) + 0.3 * SR


def test_normalize_brings_speech_to_target_and_respects_peak():
    from glmtts_desktop.audio import normalize

    quiet = np.concatenate([np.zeros(SR), speech_like(4.0, SR, level=0.02)]).astype(np.float32)
    y = normalize(quiet, SR, target_dbfs=-20.0, peak_dbfs=-1.0)
    assert analyze(y, SR).speech_level_dbfs == pytest.approx(-20.0, abs=0.5)
    assert np.abs(y).max() <= 10 ** (-1 / 20) + 1e-6
    assert np.all(quiet[SR:] == speech_like(4.0, SR, level=0.02))  # input untouched
    loud = speech_like(4.0, SR, level=0.9)
    z = normalize(loud, SR, target_dbfs=-3.0, peak_dbfs=-1.0)  # the peak limit wins
    assert np.abs(z).max() == pytest.approx(10 ** (-1 / 20), rel=1e-4)
    silence = np.zeros(SR, np.float32)
    assert np.all(normalize(silence, SR) == 0)


def test_cut_with_fades():
    from glmtts_desktop.audio import InvalidAudioError, cut

    x = np.ones(1000, np.float32)
    y = cut(x, 100, 600, sr=10000, fade_ms=5)
    assert len(y) == 500 and y[0] == 0 and y[250] == 1 and y[-1] < 0.03
    with pytest.raises(InvalidAudioError):
        cut(x, 600, 100)
