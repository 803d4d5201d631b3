"""The GLM-TTS speech LLM: our own Llama, strict checkpoint loading, samplers and the
generation loop. Imports torch; the engine imports this package only when it loads models."""

from glmtts_desktop.engine.llm.config import LlmConfig
from glmtts_desktop.engine.llm.generate import GenerationOutput, build_input_ids, generate_speech_tokens
from glmtts_desktop.engine.llm.loading import load_llm, save_llm, write_random_llm
from glmtts_desktop.engine.llm.model import SpeechLM
from glmtts_desktop.engine.llm.prompt_cache import PromptCache

__all__ = [
    "LlmConfig",
    "SpeechLM",
    "load_llm",
    "write_random_llm",
    "save_llm",
    "generate_speech_tokens",
    "GenerationOutput",
    "build_input_ids",
    "PromptCache",
]
