"""Command-line parts of recognition: ``analyze --exercise auto`` and ``eval --variants routine``.

Registered on the existing ``analyze`` and ``eval`` subcommands (see :func:`add_auto`), so
``posecheck/cli.py`` only calls this module.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from posecheck.errors import PosecheckError

ROUTINE = "routine"
Command = Callable[[argparse.Namespace], int]


def add_auto(sub: argparse._SubParsersAction) -> None:
    """Route ``analyze --exercise auto`` and ``eval --variants routine`` here; the rest as before."""
    for name, wanted, handler in (
        ("analyze", lambda a: a.exercise == "auto", cmd_analyze_auto),
        ("eval", lambda a: (a.variants or "").strip() == ROUTINE, cmd_eval_routine),
    ):
        parser = sub.choices[name]
        plain: Command = parser.get_default("func")
        parser.set_defaults(func=_either(wanted, handler, plain))


def _either(wanted: Callable[[argparse.Namespace], bool], handler: Command, plain: Command) -> Command:
    def run(args: argparse.Namespace) -> int:
        return handler(args) if wanted(args) else plain(args)

    return run


def cmd_analyze_auto(args: argparse.Namespace) -> int:
    """Find the exercises in a recording, print its segments and write report.json and track.npz."""
    from posecheck.cli import Progress
    from posecheck.pose.estimator import PoseOptions
    from posecheck.recognise_run import analyze_auto, rules_with, segment_lines

    if args.save:
        raise PosecheckError(
            "--save keeps one exercise's session: with --exercise auto analyse first, then analyse each "
            "segment with its --exercise and --save"
        )
    rules = rules_with(args.rules)
    progress = Progress(Path(args.input).name)
    try:
        result = analyze_auto(
            args.input, args.out, args.force, rules, PoseOptions(model=args.model), progress
        )
    finally:
        progress.close()
    found = [s for s in result.segments if s.exercise != "none"]
    print(
        f"{len(found)} exercise segment(s) in {result.report['duration_s']:.1f} s:"
        if found
        else "no exercise found"
    )
    for line in segment_lines(result.segments, {ex: r.title for ex, r in rules.items()}):
        print(f"  {line}")
    if result.report.get("partial"):
        print(f"warning: {result.report['stop_reason']}; the results cover what came before", file=sys.stderr)
    print(f"wrote {', '.join(sorted(str(p) for p in result.files.values()))}")
    return 0


def cmd_eval_routine(args: argparse.Namespace) -> int:
    """The routine eval: labelled clips joined with other footage, recognised and measured."""
    from posecheck.routine_eval import format_routine, routine_eval

    if not args.tracks:
        raise PosecheckError("--variants routine joins the saved tracks: add --tracks")
    labels = Path(args.labels)
    if not labels.is_file():
        raise PosecheckError(f"labels not found: {labels}; pass --labels PATH/TO/labels.json")
    report = routine_eval(labels, args.tracks_dir)
    print(json.dumps(report, indent=2) if args.json else format_routine(report))
    return 0
