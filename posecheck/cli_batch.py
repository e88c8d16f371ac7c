"""``posecheck batch``: many recordings in one command, on a local process pool or a Ray cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from posecheck.errors import InputError

EXIT_ALL_OK = 0
EXIT_SOME_ERRORS = 1

DESCRIPTION = """\
Analyse many recordings: one result folder per input under --out (what 'analyze' writes, plus
batch.json), and --out/summary.csv and summary.json with one row per input.

INPUT is a folder (its videos and .npz tracks, not its sub-folders), a glob ('clips/*.mp4'), a
file, or a manifest CSV with the columns path, exercise, profile (relative paths are relative to
the CSV). Re-running skips inputs whose result is complete for the same input and rule file, and
re-scores the stored landmark track (no pose model) when only the rules changed.
"""
EPILOG = """\
exit codes: 0 every input ok; 1 some inputs failed (their rows say why, status error);
2 bad usage (no input found, unknown exercise, invalid rule file, Ray not installed)."""


def add_parser(sub: Any) -> None:
    """Register the ``batch`` subcommand on the CLI's subparsers."""
    p = sub.add_parser(
        "batch",
        help="analyse many videos or tracks (folders, globs, a manifest CSV); pool or Ray",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="folder, glob, file or manifest .csv")
    p.add_argument("--out", "-o", required=True, help="output folder (re-using it resumes the batch)")
    p.add_argument(
        "--exercise",
        "-e",
        help="exercise id for inputs a manifest does not name, or auto: find the exercises in each",
    )
    p.add_argument("--workers", "-j", type=int, default=1, help="local worker processes (default 1)")
    p.add_argument("--no-video", action="store_true", help="skip annotated.mp4 (faster)")
    p.add_argument("--rules", help="a tuned rule file, used for the inputs of its exercise")
    p.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="run on Ray: a cluster's ADDRESS (host:port), or a local Ray on 127.0.0.1 without one; "
        "needs posecheck[cluster], and --out on a folder every node reaches",
    )
    p.set_defaults(func=cmd_batch)


def _describe(row: dict[str, Any]) -> str:
    name = Path(str(row["path"])).name
    if row["status"] != "ok":
        return f"error {name}: {row['error']}"
    sides = (
        f" (left {row['reps_left']}, right {row['reps_right']})" if row["reps_left"] not in (None, "") else ""
    )
    return f"ok    {name}: {row['reps_total']} reps{sides}, {row['holds']} holds [{row['action']}]"


def cmd_batch(args: argparse.Namespace) -> int:
    """Analyse every input; exit 0 when all are ok, 1 when some failed."""
    from tqdm import tqdm

    from posecheck.batch_inputs import expand, with_exercises
    from posecheck.batch_run import plan, run_pool, run_ray, write_summary

    if args.workers < 1:
        raise InputError(f"--workers {args.workers}: give 1 or more")
    if args.ray and Path(args.ray).exists():
        # 'batch --ray clips/ ...' reads clips/ as the cluster's address (argparse cannot tell).
        raise InputError(f"--ray took '{args.ray}' as the cluster's address; put --ray after the inputs")
    items = with_exercises(expand(args.inputs), args.exercise)
    out = Path(args.out)
    tasks = plan(items, out, args.rules, annotate=not args.no_video)
    bar = tqdm(
        total=len(tasks), unit="input", desc="batch", file=sys.stderr, dynamic_ncols=True,
        disable=not _isatty(sys.stderr),
    )  # fmt: skip
    errors = 0
    finished: list[dict[str, Any]] = []

    def on_row(row: dict[str, Any]) -> None:
        nonlocal errors
        errors += row["status"] != "ok"
        finished.append(row)
        bar.write(_describe(row), file=sys.stdout)
        bar.set_postfix(errors=errors, refresh=False)
        bar.update(1)

    try:
        if args.ray is not None:
            rows = run_ray(tasks, args.ray or None, on_row)
        else:
            rows = run_pool(tasks, args.workers, on_row)
    except KeyboardInterrupt:
        # What finished is complete and summarised; a re-run skips it and does the rest.
        write_summary(out, finished)
        raise
    finally:
        bar.close()
    csv_path, json_path = write_summary(out, rows)
    print(f"{len(rows) - errors} ok, {errors} errors of {len(rows)} inputs; wrote {csv_path} and {json_path}")
    return EXIT_SOME_ERRORS if errors else EXIT_ALL_OK


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
