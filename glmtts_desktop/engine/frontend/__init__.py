"""Prompt (reference audio) analysis: resampling, speech tokens, speaker embedding, prompt mel.

Everything takes mono float32 numpy audio (the Engine decodes and down-mixes files first) and
returns numpy arrays, so the Engine can cache the results in a VoicePrompt.
"""

from glmtts_desktop.engine.frontend.campplus import SpeakerEncoder, find_campplus, kaldi_fbank
from glmtts_desktop.engine.frontend.campplus_random import write_random_campplus
from glmtts_desktop.engine.frontend.prompt_mel import prompt_mel, prompt_mel_tensor
from glmtts_desktop.engine.frontend.resample import resample, resample_tensor
from glmtts_desktop.engine.frontend.whisper_features import WhisperFeatureConfig, whisper_log_mel
from glmtts_desktop.engine.frontend.whisper_vq import SpeechTokenizer, load_speech_tokenizer
from glmtts_desktop.engine.frontend.whisper_vq_config import WhisperVQConfig
from glmtts_desktop.engine.frontend.whisper_vq_random import write_random_speech_tokenizer

__all__ = [
    "resample",
    "resample_tensor",
    "whisper_log_mel",
    "WhisperFeatureConfig",
    "WhisperVQConfig",
    "SpeechTokenizer",
    "load_speech_tokenizer",
    "write_random_speech_tokenizer",
    "SpeakerEncoder",
    "find_campplus",
    "kaldi_fbank",
    "write_random_campplus",
    "prompt_mel",
    "prompt_mel_tensor",
]
