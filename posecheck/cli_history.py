"""``posecheck history``: list, export, report or delete the saved sessions."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posecheck.errors import PosecheckError

if TYPE_CHECKING:
    from posecheck.coach.feedback import SessionSummary


def _parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PosecheckError(f"--since {text}: not a date; write YYYY-MM-DD, e.g. 2025-03-01") from None


def cmd_history(args: argparse.Namespace) -> int:
    """List the saved sessions (table, JSON or CSV), or delete them."""
    import json

    from posecheck.history import HistoryStore
    from posecheck.history.export import as_json, to_csv, to_table
    from posecheck.progress_report import report_command

    since = _parse_day(args.since) if args.since else None
    with HistoryStore.open() as store:
        if args.delete_all:
            if since is not None:
                raise PosecheckError("--delete-all deletes whole histories; it does not take --since")
            whose = f" of profile '{args.profile}'" if args.profile else ""
            if not args.yes:
                n = len(store.sessions(args.profile)) if args.profile else store.count()
                raise PosecheckError(
                    f"--delete-all would delete {n} sessions{whose} from {store.location}; add --yes to confirm"
                )
            print(f"deleted {store.delete_all(args.profile)} sessions{whose} from {store.location}")
            return 0
        records = store.sessions(args.profile, since)
    if args.report:
        return report_command(args.report, records, args.profile, since, store.location)
    if args.json:
        print(json.dumps([as_json(r) for r in records], indent=2, ensure_ascii=False))
    elif args.csv:
        sys.stdout.write(to_csv(records))
    else:
        print(to_table(records))
        print(f"({len(records)} session{'' if len(records) == 1 else 's'} in {store.location})")
    return 0


def save_analysis(
    args: argparse.Namespace, summary: SessionSummary, files: dict[str, Path], partial: bool, still: bool
) -> None:
    """``analyze --save``: keep the session (and its track unless ``--no-track``); a history problem is a
    warning, never a failure."""
    from posecheck.coach.loader import rules_dir
    from posecheck.errors import HistoryError
    from posecheck.history import HistoryStore
    from posecheck.history.tracks import save_analysed

    if still:
        print("note: a single picture is not a session; nothing was saved in the history", file=sys.stderr)
        return
    rules_file = args.rules or rules_dir() / f"{args.exercise}.toml"
    # A video's analysis wrote its track; a track analysed again is its own input.
    given = Path(args.input) if str(args.input).endswith(".npz") else None
    track = None if args.no_track else files.get("track.npz", given)
    try:
        with HistoryStore.open() as store:
            session_id, note = save_analysed(
                store, summary, rules_file, profile=args.profile, partial=partial, track=track
            )
    except HistoryError as exc:
        # The analysis is written and stays valid: the history is a convenience on top of it.
        print(f"warning: not saved in the history: {exc}", file=sys.stderr)
        return
    print(f"saved in the history as session {session_id} ({store.location})")
    if note:
        print(f"warning: {note}", file=sys.stderr)


def add_parser(sub: Any) -> None:
    """Register the ``history`` subcommand on the CLI's subparsers."""
    p = sub.add_parser("history", help="list the saved sessions (POSECHECK_DB says where they are)")
    p.add_argument("--profile", help="only this profile's sessions")
    p.add_argument("--since", help="only sessions from this day on (YYYY-MM-DD, local time)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="JSON: each session with its reps and holds")
    fmt.add_argument("--csv", action="store_true", help="CSV: one row per session")
    fmt.add_argument("--report", metavar="FILE.html", help="a one-page report to print for a physiotherapist")
    fmt.add_argument(
        "--delete-all", action="store_true", help="delete every session (or --profile's); needs --yes"
    )
    p.add_argument("--yes", action="store_true", help="confirm --delete-all")
    p.set_defaults(func=cmd_history)
