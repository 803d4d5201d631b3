"""`download`, `verify` and `import-weights`: getting the weights without the GUI.

Same cores as the wizard (glmtts_desktop.models); progress goes to a tqdm bar on stderr.
Failures are raised as GlmTtsError subclasses and printed by cli.main as one sentence with
a next step; partial downloads always stay on disk so running the command again resumes.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path

from glmtts_desktop.commands._outputs import check_writable_folder
from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import tr
from glmtts_desktop.models.layout import SAMPLE_RATES

log = logging.getLogger(__name__)


def _model_dir(args: argparse.Namespace) -> Path:
    from glmtts_desktop.models import default_model_dir

    chosen = getattr(args, "model_dir", None) or getattr(args, "gui_model_dir", None)
    return Path(chosen).expanduser() if chosen else default_model_dir()


def _manifest(args: argparse.Namespace):
    from glmtts_desktop.models.manifest import load_manifest

    return load_manifest(Path(args.manifest) if getattr(args, "manifest", None) else None)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model-dir", default=None, help="weights folder (default: the user data folder)")
    p.add_argument(
        "--sample-rate",
        default=str(SAMPLE_RATES[0]),
        choices=[*map(str, SAMPLE_RATES), "both"],
        help=f"output rate(s) to get weights for (default {SAMPLE_RATES[0]})",
    )
    p.add_argument("--manifest", default=None, help=argparse.SUPPRESS)  # tests / advanced use


def register(sub) -> None:
    d = sub.add_parser(
        "download",
        help="download the GLM-TTS weights (resumes where it stopped)",
        description="Download and verify the GLM-TTS weights. Interrupt any time; "
        "running it again continues from the byte where it stopped.",
    )
    _common(d)
    d.add_argument(
        "--endpoint",
        default=None,
        help="official, mirror (https://hf-mirror.com) or any https address; "
        "default: $HF_ENDPOINT or official",
    )
    d.add_argument(
        "--test-connection", action="store_true", help="only fetch one small file and report the speed"
    )
    d.add_argument("--stall-timeout", type=float, default=60.0, help=argparse.SUPPRESS)
    d.set_defaults(func=cmd_download)

    v = sub.add_parser("verify", help="check the weights (hashes once, then remembers)")
    _common(v)
    v.add_argument("--quick", action="store_true", help="compare sizes with the last full check only")
    v.add_argument("--rehash", action="store_true", help="hash every file again, ignoring the last check")
    v.add_argument(
        "--online",
        action="store_true",
        help="ask the official Hub whether the 32 kHz vocoder (program code) is the published file",
    )
    v.add_argument(
        "--accept-unverified",
        action="store_true",
        help="use files no hash can check offline as they are (they stay marked unverified)",
    )
    v.set_defaults(func=cmd_verify)

    i = sub.add_parser("import-weights", help="copy weights from a folder (USB stick, share) and verify them")
    i.add_argument("folder", help="folder holding llm/, flow/, ... (or ckpt/ of the official code)")
    _common(i)
    i.add_argument("--link", action="store_true", help="hard-link instead of copying when on the same disk")
    i.add_argument(
        "--online",
        action="store_true",
        help="ask the official Hub whether the 32 kHz vocoder (program code) is the published file",
    )
    i.add_argument(
        "--accept-unverified",
        action="store_true",
        help="use files no hash can check offline as they are (they stay marked unverified); "
        "to check them instead, run download into the same folder",
    )
    i.set_defaults(func=cmd_import)


class _Bar:
    """tqdm bar fed from DownloadProgress snapshots (only the deltas are added)."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self.bar = tqdm(
            total=0,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            file=sys.stderr,
            dynamic_ncols=True,
            disable=None,
        )
        self.last = 0
        self.file = ""
        self.notice = ""

    def __call__(self, p) -> None:
        if p.total and self.bar.total != p.total:
            self.bar.total = p.total
            self.bar.refresh()
        if p.file != self.file:
            self.file = p.file
            self.bar.set_description_str(p.file.rsplit("/", 1)[-1] if p.file else p.phase)
        delta = p.done - self.last
        if delta:
            self.bar.update(delta)
            self.last = p.done
        notice = getattr(p, "notice", "")
        if notice and notice != self.notice:
            self.bar.write(f"{p.file}: {notice}", file=sys.stderr)  # already translated in the core
        self.notice = notice

    def close(self) -> None:
        self.bar.close()


def cmd_download(args: argparse.Namespace) -> int:
    from glmtts_desktop.models.download import Downloader, test_connection
    from glmtts_desktop.models.endpoints import endpoint_from_env, normalize_endpoint
    from glmtts_desktop.models.errors import DownloadCancelledError
    from glmtts_desktop.models.transfer import TransferSettings

    endpoint = normalize_endpoint(args.endpoint) if args.endpoint else endpoint_from_env()
    if endpoint.warning:
        print(f"warning: {endpoint.warning}", file=sys.stderr)
    manifest = _manifest(args)
    if args.test_connection:
        print(test_connection(endpoint, manifest).sentence())
        return 0
    model_dir = _model_dir(args)
    print(
        tr("Downloading GLM-TTS weights from {url} into {folder}", url=endpoint.url, folder=model_dir),
        file=sys.stderr,
    )
    bar = _Bar()
    cancel = threading.Event()
    try:
        report = Downloader(
            model_dir,
            endpoint=endpoint,
            sample_rates=args.sample_rate,
            manifest=manifest,
            settings=TransferSettings(stall_timeout_s=args.stall_timeout),
            on_progress=bar,
            cancel=cancel,
        ).run()
    except KeyboardInterrupt:
        cancel.set()
        raise DownloadCancelledError() from None
    finally:
        bar.close()
    print(tr("Done: {summary}.", summary=report.summary()))
    return 0 if report.complete else 7


def cmd_verify(args: argparse.Namespace) -> int:
    from glmtts_desktop.models.errors import MissingWeightsError
    from glmtts_desktop.models.layout import parse_sample_rates
    from glmtts_desktop.models.verify import verify_files

    model_dir = _model_dir(args)
    if model_dir.exists() and not model_dir.is_dir():
        raise InvalidInputError(
            tr("The model folder {model_dir} is a file, not a folder.", model_dir=model_dir),
            hint=tr("Pass the folder that holds llm/, flow/…"),
        )
    specs = _manifest(args).files_for(parse_sample_rates(args.sample_rate))
    report = verify_files(
        model_dir, specs, full=not args.quick, rehash=args.rehash, accept_unverified=args.accept_unverified
    )
    if not report.complete:
        raise MissingWeightsError(
            tr(
                "The weights in {model_dir} are incomplete ({value}).",
                model_dir=model_dir,
                value=report.summary(),
            ),
            missing=report.missing,
            wrong=report.wrong,
            hint=tr("Run `glmtts-desktop download` to fetch only what is missing or damaged."),
        )
    print(tr("OK: {summary}.", summary=report.summary()))
    _report_code_files(model_dir, _manifest(args), specs, online=args.online)
    return 0


def _report_code_files(model_dir: Path, manifest, specs, *, online: bool) -> None:
    """One line per file that is a program (the 32 kHz vocoder): may it run, and why (not)."""
    from glmtts_desktop.models.codecheck import check_code_files

    for check in check_code_files(model_dir, manifest, specs, online=online):
        print(tr("{path}: {reason}.", path=check.path, reason=check.reason))


def cmd_import(args: argparse.Namespace) -> int:
    from glmtts_desktop.models.importer import import_weights

    model_dir = _model_dir(args)
    check_writable_folder(model_dir, create=True)  # before copying gigabytes
    report = import_weights(
        Path(args.folder),
        model_dir,
        sample_rates=args.sample_rate,
        manifest=_manifest(args),
        link=args.link,
        accept_unverified=args.accept_unverified,
    )
    print(tr("Imported into {folder}: {summary}.", folder=model_dir, summary=report.summary()))
    from glmtts_desktop.models.layout import parse_sample_rates

    specs = _manifest(args).files_for(parse_sample_rates(args.sample_rate))
    _report_code_files(model_dir, _manifest(args), specs, online=args.online)
    return 0
