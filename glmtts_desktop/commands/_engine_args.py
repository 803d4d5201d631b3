"""Options and helpers shared by the sub-commands that run the engine (synth, batch)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from glmtts_desktop.engine.config import DEVICES, DTYPES
from glmtts_desktop.engine.seeds import MAX_SEED, check_seed
from glmtts_desktop.engine.types import SAMPLE_RATES, SAMPLING_METHODS, SynthesisRequest
from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)


def add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model-dir",
        type=Path,
        default=None,
        help="GLM-TTS checkpoint folder (default: the app's model folder)",
    )
    p.add_argument("--sample-rate", type=int, choices=SAMPLE_RATES, default=SAMPLE_RATES[0])
    p.add_argument(
        "--trust-vocoder",
        action="store_true",
        help="32 kHz: run this folder's vocos2d/generator_jit.ckpt even though it is not confirmed as "
        "the official file (it contains program code; only for a file whose origin you know)",
    )
    # no choices: "cuda:1" picks a GPU too
    p.add_argument("--device", default=DEVICES[0], help=f"{', '.join(DEVICES)} (default: {DEVICES[0]})")
    p.add_argument(
        "--dtype",
        default="auto",
        choices=DTYPES,
        help="precision (default: bf16 on CUDA, fp32 on CPU; int8: faster CPU mode, LLM in int8)",
    )


def add_generation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--seed", type=seed_option, default=0, help=f"random seed, 0 to {MAX_SEED} (same seed, same audio)"
    )
    p.add_argument(
        "--method", choices=SAMPLING_METHODS, default=SynthesisRequest.method, help="sampling method"
    )
    p.add_argument(
        "--phoneme",
        action="store_true",
        help="Chinese phoneme mode: read ambiguous characters from their pinyin",
    )
    p.add_argument(
        "--overrides",
        type=Path,
        default=None,
        help="pronunciation overrides in the G2P_replace_dict.jsonl format",
    )
    p.add_argument(
        "--no-prompt-cache",
        action="store_true",
        help="do not reuse earlier segments of a long text as prompt",
    )


def seed_option(value: str) -> int:
    """argparse type for --seed: the engine's range, said in one line (exit code 2)."""
    try:
        return check_seed(value)
    except InvalidInputError as exc:
        raise argparse.ArgumentTypeError(exc.user_text()) from None


def resolve_model_dir(model_dir: Path | None) -> Path:
    if model_dir is not None:
        return model_dir
    try:
        from glmtts_desktop.models import default_model_dir
    except ImportError:  # models layer absent in this build
        raise InvalidInputError(tr("No model folder given."), hint=tr("Pass --model-dir DIR.")) from None
    return default_model_dir()


def load_engine(args: argparse.Namespace):
    """Load the engine with a console progress line; warns loudly about random checkpoints."""
    from glmtts_desktop.engine import Engine, EngineConfig

    model_dir = resolve_model_dir(args.model_dir)
    config = EngineConfig(
        model_dir=model_dir, device=args.device, dtype=args.dtype, sample_rate=args.sample_rate
    )
    print(tr("Loading GLM-TTS from {model_dir} ...", model_dir=model_dir), file=sys.stderr)
    if getattr(args, "trust_vocoder", False) and args.sample_rate == 32000:
        trust_vocoder_explicitly(model_dir)
    engine = Engine.load(config)
    if engine.is_random_checkpoint:
        print(
            tr(
                "warning: this checkpoint has RANDOM weights (made by 'dev make-checkpoint'); "
                "the audio will be noise."
            ),
            file=sys.stderr,
        )
    print(tr("Ready on {device}.", device=engine.device_name), file=sys.stderr)
    return engine


def trust_vocoder_explicitly(model_dir: Path) -> None:
    """Record the person's decision to run this exact 32 kHz vocoder file (see codetrust)."""
    from glmtts_desktop import codetrust
    from glmtts_desktop.engine.vocoder import VOCOS_PATH

    path = Path(model_dir) / VOCOS_PATH
    if not path.is_file():
        return  # the engine reports the missing file
    if codetrust.file_trust(path) is None:
        digest = codetrust.trust_file(path, origin=codetrust.ORIGIN_USER)
        print(
            tr(
                "warning: you chose to trust {path} (sha256 {digest}); it contains program code "
                "that will run on this computer.",
                path=path,
                digest=digest,
            ),
            file=sys.stderr,
        )


def load_overrides(path: Path | None):
    """Overrides from a replace-dict file apply to those words wherever they occur."""
    if path is None:
        return ()
    from glmtts_desktop.engine.text import load_replace_dict, overrides_from_replace_dict

    return tuple(overrides_from_replace_dict(load_replace_dict(path)))


def load_reference(path: Path):
    """(mono float32 samples, sample rate) of a reference file, any format the audio layer reads."""
    from glmtts_desktop.audio import load_audio
    from glmtts_desktop.engine.prompt_audio import MAX_SECONDS, format_seconds

    # Read a little past the limit, never a whole 2-hour file; say the file's real length.
    clip = load_audio(path, mono=True, max_seconds=MAX_SECONDS + 1.0)
    samples = clip.samples
    if clip.truncated or len(samples) > MAX_SECONDS * clip.sample_rate:
        length = clip.original_duration or len(samples) / clip.sample_rate
        print(
            tr(
                "warning: the reference audio is {length} long; only the first {seconds:.0f} s are "
                "used (3–10 s of clear speech works best).",
                length=format_seconds(length),
                seconds=MAX_SECONDS,
            ),
            file=sys.stderr,
        )
        samples = samples[: int(MAX_SECONDS * clip.sample_rate)]
    return samples, clip.sample_rate


class ProgressBar:
    """A tqdm bar over overall progress, fed by engine Progress callbacks."""

    def __init__(self, desc: str, disable: bool = False) -> None:
        from tqdm import tqdm

        self._bar = tqdm(
            total=1000,
            desc=desc,
            unit="‰",
            disable=disable,
            file=sys.stderr,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix} [{elapsed}<{remaining}]",
        )
        self._last = 0

    def __call__(self, progress) -> None:
        value = int(progress.fraction * 1000)
        if value > self._last:
            self._bar.update(value - self._last)
            self._last = value
        if progress.message:
            self._bar.set_postfix_str(progress.message, refresh=False)

    def close(self) -> None:
        self._bar.close()
