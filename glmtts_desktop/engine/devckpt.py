"""A complete GLM-TTS checkpoint folder with random weights, for machines without the real ones.

Every file the engine reads is written in the official layout by the component that reads it,
so loading a generated folder exercises exactly the code that loads the published weights.
``tiny`` is a few MB and loads in about a second (tests); ``full`` uses the real configurations
(benchmarks: same shapes, same FLOPs, same memory). The audio it speaks is noise, and a marker
file says so (the CLI and the GUI warn when they see it).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
import uuid
from pathlib import Path

from glmtts_desktop import __version__
from glmtts_desktop.engine.checkpoint import GENERATED_MARKER
from glmtts_desktop.engine.seeds import check_seed
from glmtts_desktop.errors import InvalidInputError, OutputWriteError
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

SIZES = ("tiny", "full")
FULL_LLM_VOCAB = 98304
FULL_FLOW_VOCAB = 100000
# Every top-level name _write_all creates: a folder holding anything else is not only ours.
_OUR_ENTRIES = frozenset(
    {
        "vq32k-phoneme-tokenizer",
        "llm",
        "flow",
        "hift",
        "vocos2d",
        "speech_tokenizer",
        "frontend",
        GENERATED_MARKER,
    }
)


def make_checkpoint(dst: Path, *, size: str = "tiny", seed: int = 0, overwrite: bool = False) -> Path:
    """Write the folder at ``dst`` (built beside it under a unique name, then renamed, so a crash
    leaves no half folder).

    Only ever removes what this function made: ``overwrite`` replaces a folder that holds our
    marker file and nothing else than what we write; any other non-empty folder, a file or a
    symbolic link at ``dst`` is refused (a person's folder was once wiped by a plain rmtree).
    """
    if size not in SIZES:
        raise InvalidInputError(
            tr("Unknown checkpoint size '{size}'.", size=size), hint=tr("Use tiny or full.")
        )
    check_seed(seed)
    dst = Path(dst).expanduser()
    old = _check_destination(dst, overwrite=overwrite)
    parent = dst.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        # A unique hidden name of our own: a sibling "DIR.partial" somebody else made is never touched.
        tmp = parent / f".{dst.name}.partial-{uuid.uuid4().hex[:12]}"
        tmp.mkdir()  # not mkdtemp: the folder gets the usual permissions, not 0700
    except OSError as exc:
        raise OutputWriteError(
            tr("Cannot create the checkpoint folder in {parent}.", parent=parent),
            hint=tr("Choose a folder you can write to."),
            detail=str(exc),
        ) from exc
    try:
        _write_all(tmp, size=size, seed=seed)
        _publish(tmp, dst, old)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)  # only ever our own temporary folder
        if isinstance(exc, OSError):
            raise OutputWriteError(
                tr("Could not write the checkpoint to {dst}.", dst=dst),
                hint=tr("Check the free space and permissions of that folder."),
                detail=str(exc),
            ) from exc
        raise
    return dst


def _check_destination(dst: Path, *, overwrite: bool) -> Path | None:
    """What is at ``dst`` may be replaced only if this command made it: returns that folder (or
    None when nothing is there), otherwise raises with one sentence saying why not."""
    if dst.is_symlink():
        raise InvalidInputError(
            tr("{dst} is a symbolic link; a checkpoint is never written through one.", dst=dst),
            hint=tr("Choose a new folder name."),
        )
    if not dst.exists():
        return None
    if not dst.is_dir():
        raise InvalidInputError(
            tr("{dst} is a file, not a folder.", dst=dst), hint=tr("Choose a new folder name.")
        )
    entries = {p.name for p in dst.iterdir()}
    if not entries:
        return dst
    if not _made_by_us(dst, entries):
        raise InvalidInputError(
            tr(
                "{dst} is not empty and was not made by 'dev make-checkpoint'; "
                "it is left untouched even with --overwrite.",
                dst=dst,
            )
            if overwrite
            else tr(
                "{dst} is not empty and was not made by 'dev make-checkpoint'; it is left untouched.", dst=dst
            ),
            hint=tr("Choose an empty or new folder."),
        )
    if not overwrite:
        raise InvalidInputError(
            tr("{dst} already holds a generated checkpoint.", dst=dst),
            hint=tr("Pass --overwrite to replace it."),
        )
    return dst


def _made_by_us(folder: Path, entries: set[str]) -> bool:
    """Our marker file says we made it, and nothing but what we write is in it."""
    if GENERATED_MARKER not in entries or not entries <= _OUR_ENTRIES:
        return False
    try:
        info = json.loads((folder / GENERATED_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and "dev make-checkpoint" in str(info.get("made_by", ""))


def _publish(tmp: Path, dst: Path, old: Path | None) -> None:
    """Swap the finished folder in; the replaced one (ours, checked above) is removed last."""
    if old is None:
        tmp.rename(dst)
        return
    if not any(old.iterdir()):
        old.rmdir()
        tmp.rename(dst)
        return
    retired = dst.parent / f".{dst.name}.old-{uuid.uuid4().hex[:12]}"
    old.rename(retired)
    tmp.rename(dst)
    shutil.rmtree(retired, ignore_errors=True)


def _write_all(tmp: Path, *, size: str, seed: int) -> None:
    from glmtts_desktop.engine.flow import write_random_flow
    from glmtts_desktop.engine.frontend import write_random_campplus, write_random_speech_tokenizer
    from glmtts_desktop.engine.llm import write_random_llm
    from glmtts_desktop.engine.text import TextTokenizer, write_tokenizer_files
    from glmtts_desktop.engine.vocoder import write_random_hift, write_random_vocos

    started = time.perf_counter()

    write_tokenizer_files(tmp / "vq32k-phoneme-tokenizer", size=size, seed=seed)
    tokenizer = TextTokenizer.from_dir(tmp / "vq32k-phoneme-tokenizer")
    n_audio = tokenizer.n_audio_tokens
    llm_vocab = FULL_LLM_VOCAB if size == "full" else _round_up(tokenizer.vocab_size + 64, 64)
    flow_vocab = FULL_FLOW_VOCAB if size == "full" else n_audio
    log.info("writing %s checkpoint: %d audio tokens, LLM vocab %d", size, n_audio, llm_vocab)

    write_random_llm(tmp / "llm", size=size, vocab_size=llm_vocab, seed=seed)
    write_random_flow(tmp / "flow", size=size, vocab_size=flow_vocab, seed=seed + 1)
    write_random_hift(tmp / "hift", size=size, seed=seed + 2)
    write_random_vocos(tmp / "vocos2d", size=size, seed=seed + 3)
    write_random_speech_tokenizer(tmp / "speech_tokenizer", size=size, codebook_size=n_audio, seed=seed + 4)
    (tmp / "frontend").mkdir()
    write_random_campplus(tmp / "frontend" / "campplus.onnx", size=size, seed=seed + 5)
    (tmp / GENERATED_MARKER).write_text(
        json.dumps(
            {
                "random_weights": True,
                "size": size,
                "seed": seed,
                "made_by": f"glmtts-desktop {__version__} dev make-checkpoint",
                "note": "Random weights in the official GLM-TTS layout. This checkpoint speaks noise.",
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    log.info("checkpoint files written to %s in %.1f s", tmp, time.perf_counter() - started)


def _round_up(n: int, multiple: int) -> int:
    return (n + multiple - 1) // multiple * multiple
