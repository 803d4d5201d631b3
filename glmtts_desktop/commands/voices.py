"""`glmtts-desktop voices`: list, add and remove the voices kept in the library."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from glmtts_desktop.commands._library_args import add_data_dir_option, find_voice, open_library
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

BASES = ("self", "permission", "family", "other")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "voices", help="list, add or remove saved voices", description="The voices kept in the library."
    )
    vs = p.add_subparsers(dest="voices_command", metavar="ACTION", required=True)

    ls = vs.add_parser("list", help="list the saved voices")
    ls.add_argument("--json", action="store_true", help="print JSON (one object per voice)")
    ls.add_argument("--trash", action="store_true", help="list the trash instead")
    add_data_dir_option(ls)
    ls.set_defaults(func=run_list)

    add = vs.add_parser("add", help="save a voice from a reference recording")
    add.add_argument("name")
    add.add_argument("--reference", type=Path, required=True, help="the recording (kept byte for byte)")
    add.add_argument("--transcript", required=True, help="what the recording says")
    add.add_argument("--speaker", default="", help="who the speaker is, e.g. 'my grandmother Li Hua'")
    add.add_argument("--consent-basis", choices=BASES, help="self, permission, family or other")
    add.add_argument("--consent-who", help="who agreed")
    add.add_argument("--consent-how", help="how they agreed, e.g. 'spoken, recorded'")
    add.add_argument("--consent-when", help="when (default: today)")
    add.add_argument("--consent-scope", default="", help="what use was agreed, e.g. 'private family use'")
    add.add_argument("--consent-evidence", type=Path, help="a recorded consent clip or a scanned letter")
    add.add_argument("--photo", type=Path, help="a photo of the speaker (PNG, JPEG or WebP, at most 10 MB)")
    add.add_argument(
        "--keep-both", action="store_true", help="add even if the voice seems to be there already"
    )
    add_data_dir_option(add)
    add.set_defaults(func=run_add)

    clip = vs.add_parser("add-clip", help="add another reference clip to a saved voice")
    clip.add_argument("name", help="the saved voice")
    clip.add_argument("--reference", type=Path, required=True, help="the recording (kept byte for byte)")
    clip.add_argument("--transcript", required=True, help="what the recording says")
    clip.add_argument("--note", default="", help="a note, e.g. 'cheerful, from the birthday video'")
    clip.add_argument("--default", action="store_true", help="generate with this clip from now on")
    add_data_dir_option(clip)
    clip.set_defaults(func=run_add_clip)

    rm = vs.add_parser("remove", help="move a voice to the trash (its history stays)")
    rm.add_argument("name")
    add_data_dir_option(rm)
    rm.set_defaults(func=run_remove)


def _consent(args: argparse.Namespace):
    from glmtts_desktop.errors import InvalidInputError
    from glmtts_desktop.library import ConsentRecord

    given = [args.consent_basis, args.consent_who, args.consent_how]
    if not any(given) and args.consent_evidence is None:
        return None
    if not all(given):
        raise InvalidInputError(
            tr("A consent record needs --consent-basis, --consent-who and --consent-how together.")
        )
    extra = {"when": args.consent_when} if args.consent_when else {}
    return ConsentRecord(
        who=args.consent_who,
        how=args.consent_how,
        basis=args.consent_basis,
        scope=args.consent_scope,
        **extra,
    )


def run_list(args: argparse.Namespace) -> int:
    from glmtts_desktop.studio import consent_state

    with open_library(args) as lib:
        voices = lib.list_voices(deleted_only=args.trash)
        if args.json:
            rows = [
                {
                    "id": v.id,
                    "name": v.name,
                    "speaker": v.speaker,
                    "transcript": v.transcript,
                    "duration_s": round(v.reference_duration, 3),
                    "consent": consent_state(v),
                    "consent_basis": v.consent.basis if v.consent else None,
                    "created_at": v.created_at,
                    "photo": v.photo_path is not None,
                    "clips": [
                        {
                            "id": c.id,
                            "default": c.is_default,
                            "transcript": c.transcript,
                            "note": c.note,
                            "duration_s": round(c.duration, 3),
                            "original_name": c.original_name,
                        }
                        for c in lib.list_voice_clips(v.id)
                    ],
                }
                for v in voices
            ]
            print(json.dumps(rows, ensure_ascii=False, indent=2))
            return 0
        if not voices:
            print(tr("The trash is empty.") if args.trash else tr("No saved voices yet."))
        for v in voices:
            print(f"{v.name}\t{v.reference_duration:.1f} s\tconsent: {consent_state(v)}\t{v.transcript}")
    return 0


def run_add(args: argparse.Namespace) -> int:
    from glmtts_desktop.commands._engine_args import load_reference
    from glmtts_desktop.studio import Studio

    consent = _consent(args)
    samples, sr = load_reference(args.reference)
    with open_library(args) as lib:
        v = Studio(lib).add_voice(
            args.name,
            samples,
            sr,
            args.transcript,
            original=args.reference,
            speaker=args.speaker,
            consent=consent,
            evidence=args.consent_evidence,
            photo=args.photo,
            on_duplicate="keep_both" if args.keep_both else "ask",
        )
    print(tr("Saved the voice “{name}”.", name=v.name), file=sys.stderr)
    if v.consent is None:
        print(
            "note: " + tr("no consent record; generating with it will ask you to confirm."), file=sys.stderr
        )
    return 0


def run_add_clip(args: argparse.Namespace) -> int:
    from glmtts_desktop.commands._engine_args import load_reference
    from glmtts_desktop.studio import Studio

    samples, sr = load_reference(args.reference)
    with open_library(args) as lib:
        v = find_voice(lib, args.name)
        c = Studio(lib).add_clip(
            v.id,
            samples,
            sr,
            args.transcript,
            original=args.reference,
            note=args.note,
            make_default=args.default,
        )
        n = len(lib.list_voice_clips(v.id))
    if c.is_default:
        print(
            tr("Added a clip to “{name}” ({n} clips); it is now the default.", name=v.name, n=n),
            file=sys.stderr,
        )
    else:
        print(tr("Added a clip to “{name}” ({n} clips).", name=v.name, n=n), file=sys.stderr)
    return 0


def run_remove(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        v = find_voice(lib, args.name)
        lib.delete_voice(v.id)
    print(tr("Moved the voice “{name}” to the trash (the app can restore it).", name=v.name), file=sys.stderr)
    return 0
