"""`glmtts-desktop batch`: the official JSONL job format, robust to bad lines.

Each line holds ``uttid``, ``prompt_text``, ``prompt_speech`` (a path, relative to the JSONL
file's folder or to the working folder) and ``syn_text``. A failing line is reported and
skipped; the others still run. ``summary.json`` and ``text_compare.jsonl`` (real JSON lines,
unlike the official file of that name) are written next to the outputs.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from glmtts_desktop.commands._engine_args import (
    add_engine_options,
    add_generation_options,
    load_engine,
    load_overrides,
    load_reference,
)
from glmtts_desktop.commands._library_args import (
    add_data_dir_option,
    add_history_option,
    open_library,
    settings_from_args,
)
from glmtts_desktop.commands._names import batch_file_name, name_key, safe_terminal_text
from glmtts_desktop.commands._outputs import check_writable_folder
from glmtts_desktop.commands._signals import interrupts_deferred
from glmtts_desktop.errors import GlmTtsError, InvalidInputError
from glmtts_desktop.fsutil import atomic_write_text
from glmtts_desktop.i18n import tr

if TYPE_CHECKING:  # pragma: no cover
    from glmtts_desktop.library import Library

log = logging.getLogger(__name__)

# each output gets "<stem>.json" (provenance), so a job may not be called like the summary file
RESERVED_STEMS = {"summary"}
REQUIRED_FIELDS = ("uttid", "prompt_text", "prompt_speech", "syn_text")


@dataclass
class Job:
    line: int
    uttid: str
    prompt_text: str
    prompt_speech: Path
    syn_text: str
    file_name: str  # safe on every system (commands/_names.py)


@dataclass
class Outcome:
    line: int
    uttid: str | None
    ok: bool
    output: str | None = None
    error: str | None = None
    seconds_audio: float = 0.0
    seconds_wall: float = 0.0
    segments: list = field(default_factory=list)
    history_id: str | None = None  # the library history entry (None with --no-history)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch",
        help="run a JSONL file of jobs (the official format)",
        description="One job per line: uttid, prompt_text, prompt_speech, syn_text. Each finished "
        "job is also kept in the library's history (like a generation made in the app; see "
        "--data-dir), unless --no-history is given.",
    )
    p.add_argument("jobs", type=Path, help="JSONL file")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--format", choices=("wav", "flac"), default="wav")
    p.add_argument("--overwrite", action="store_true", help="replace outputs that already exist")
    add_data_dir_option(p)
    add_history_option(p, "each finished job")
    add_engine_options(p)
    add_generation_options(p)
    p.set_defaults(func=run)


def parse_jobs(path: Path, extension: str = "wav") -> tuple[list[Job], list[Outcome]]:
    """Valid jobs, and an Outcome for every line that cannot even be read."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(tr("Cannot read the job file {path}.", path=path), detail=str(exc)) from exc
    jobs: list[Job] = []
    bad: list[Outcome] = []
    seen: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except ValueError as exc:
            bad.append(Outcome(number, None, False, error=f"not valid JSON: {exc}"))
            continue
        if not isinstance(item, dict):
            bad.append(Outcome(number, None, False, error="a line must be a JSON object"))
            continue
        missing = [k for k in REQUIRED_FIELDS if not isinstance(item.get(k), str)]
        if missing:
            bad.append(
                Outcome(
                    number,
                    item.get("uttid") if isinstance(item.get("uttid"), str) else None,
                    False,
                    error=f"missing or non-text field(s): {', '.join(missing)}",
                )
            )
            continue
        uttid = item["uttid"]
        try:
            file_name = batch_file_name(uttid, extension)
        except InvalidInputError as exc:
            bad.append(Outcome(number, uttid, False, error=exc.user_text()))
            continue
        if Path(file_name).stem.casefold() in RESERVED_STEMS:
            bad.append(
                Outcome(
                    number,
                    uttid,
                    False,
                    error=tr(
                        "uttid “{uttid}” is reserved: its description file would replace the batch summary.",
                        uttid=uttid,
                    ),
                )
            )
            continue
        if name_key(file_name) in seen:
            bad.append(
                Outcome(number, uttid, False, error="duplicate uttid (its output would be overwritten)")
            )
            continue
        seen.add(name_key(file_name))
        speech = Path(item["prompt_speech"]).expanduser()
        if not speech.is_absolute():
            beside = path.parent / speech
            speech = beside if beside.exists() else Path.cwd() / speech
        jobs.append(Job(number, uttid, item["prompt_text"], speech, item["syn_text"], file_name))
    return jobs, bad


def run(args: argparse.Namespace) -> int:
    jobs, outcomes = parse_jobs(args.jobs, args.format)
    for o in outcomes:
        print(
            tr("line {line}: skipped: {why}", line=o.line, why=safe_terminal_text(o.error or "")),
            file=sys.stderr,
        )
    if not jobs:
        raise InvalidInputError(
            tr("No usable job in {jobs}.", jobs=args.jobs),
            hint=tr("Each line needs {fields}.", fields=", ".join(REQUIRED_FIELDS)),
        )
    check_writable_folder(args.out, create=True)  # before the slow model load
    if not args.overwrite:
        jobs = _skip_existing(jobs, args.out, outcomes)
    overrides = load_overrides(args.overrides)
    library = open_library(args) if jobs and not args.no_history else None
    try:
        engine = load_engine(args) if jobs else None
        _run_jobs(engine, library, jobs, args, overrides, outcomes)
    except KeyboardInterrupt:  # Ctrl+C or SIGTERM: say what ran, then stop as asked
        done = {o.line for o in outcomes}
        for job in jobs:
            if job.line not in done:
                outcomes.append(
                    Outcome(job.line, job.uttid, False, error="not run: the batch was interrupted")
                )
        write_summary(args.out, sorted(outcomes, key=lambda o: o.line))
        raise
    finally:
        if library is not None:
            library.close()
    return write_summary(args.out, sorted(outcomes, key=lambda o: o.line))


def _skip_existing(jobs: list[Job], out_dir: Path, outcomes: list[Outcome]) -> list[Job]:
    """Jobs whose output is not there yet; the others are reported, never overwritten silently."""
    keep = []
    for job in jobs:
        if (out_dir / job.file_name).exists():
            error = f"{job.file_name} already exists in the output folder (pass --overwrite to replace it)"
            print(
                tr("line {line}: skipped: {why}", line=job.line, why=safe_terminal_text(error)),
                file=sys.stderr,
            )
            outcomes.append(Outcome(job.line, job.uttid, False, error=error))
        else:
            keep.append(job)
    return keep


def _run_jobs(
    engine,
    library: Library | None,
    jobs: list[Job],
    args: argparse.Namespace,
    overrides,
    outcomes: list[Outcome],
) -> None:
    from tqdm import tqdm

    from glmtts_desktop.studio import Clip, Studio

    settings = settings_from_args(args)
    studio = Studio(library, engine)  # the same prompt is analysed once (the studio's voice cache)
    clips: dict[tuple[str, str], Clip] = {}
    for job in tqdm(jobs, desc=tr("Jobs"), unit="job", file=sys.stderr):
        started = time.perf_counter()
        try:
            key = (str(job.prompt_speech.resolve()), job.prompt_text)
            if key not in clips:
                samples, sr = load_reference(job.prompt_speech)
                clips[key] = Clip(
                    samples, sr, job.prompt_text, job.prompt_speech.stem, job.prompt_speech.name
                )
            # the JSONL names each reference explicitly: that is the user's confirmation
            speech = studio.speak(clips[key], job.syn_text, settings, overrides, consent_acknowledged=True)
            result = speech.result
            out_path = args.out / job.file_name
            # kept in the history like a generation made in the app (unless --no-history), and
            # written tagged as AI-generated with a .json sidecar naming that history entry
            with interrupts_deferred():  # an item written is an item counted (see there)
                stored = studio.store(speech) if library is not None else None
                studio.write_speech(speech, out_path, stored=stored)
                outcomes.append(
                    Outcome(
                        job.line,
                        job.uttid,
                        True,
                        output=out_path.name,
                        seconds_audio=round(result.duration_s, 3),
                        seconds_wall=round(time.perf_counter() - started, 3),
                        segments=[s.model_text for s in result.segments],
                        history_id=stored.id if stored is not None else None,
                    )
                )
        except GlmTtsError as exc:
            log.debug("job %s failed", job.uttid, exc_info=True)
            tqdm.write(
                safe_terminal_text(
                    tr(
                        "line {line} ({uttid}): failed: {why}",
                        line=job.line,
                        uttid=job.uttid,
                        why=exc.user_text(),
                    )
                ),
                file=sys.stderr,
            )
            outcomes.append(
                Outcome(
                    job.line,
                    job.uttid,
                    False,
                    error=exc.user_text(),
                    seconds_wall=round(time.perf_counter() - started, 3),
                )
            )


def write_summary(out_dir: Path, outcomes: list[Outcome]) -> int:
    ok = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    summary = {
        "total": len(outcomes),
        "succeeded": len(ok),
        "failed": len(failed),
        "audio_seconds": round(sum(o.seconds_audio for o in ok), 3),
        "wall_seconds": round(sum(o.seconds_wall for o in outcomes), 3),
        "items": [asdict(o) for o in outcomes],
    }
    atomic_write_text(out_dir / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2))
    atomic_write_text(
        out_dir / "text_compare.jsonl",
        "".join(
            json.dumps({"uttid": o.uttid, "segments": o.segments}, ensure_ascii=False) + "\n" for o in ok
        ),
    )
    print(
        tr(
            "{ok} of {total} job(s) succeeded, {failed} failed; summary in {path}",
            ok=len(ok),
            total=len(outcomes),
            failed=len(failed),
            path=str(out_dir / "summary.json"),
        ),
        file=sys.stderr,
    )
    for o in failed:
        print(safe_terminal_text(f"  line {o.line} ({o.uttid or '?'}): {o.error}"), file=sys.stderr)
    return 0 if not failed else 1
