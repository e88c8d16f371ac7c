"""``posecheck tune``: suggest thresholds from a physiotherapist's counts, with a left-one-out figure."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from posecheck.agreement import Agreement, SessionAgreement, counted_from_label
from posecheck.coach.loader import load_exercise, rules_dir
from posecheck.errors import InputError
from posecheck.evaluate import VIDEO_SUFFIXES, load_labels, track_path_for
from posecheck.suggest import Session, Suggestion, suggest
from posecheck.track import Track
from posecheck.ui.tuning import changes, save_rules_text, to_toml

DESCRIPTION = """\
Search the key numbers of a rule file (inside the ranges its [tuning] table declares) for the
values that agree best with what a physiotherapist counted, and write them as a new rule file.
Agreement is printed before and after, in sample and left-one-session-out: each session scored by
a search that did not see it, so a suggestion that only fits the sessions it saw shows as such.

--labels is a labels.json (the format of sample_videos/labels.json: rep_count, rep_count_by_side,
holds); each entry's track is found under --tracks by the entry's name with .npz for its suffix
(sample_videos/tracks holds the committed clips' tracks; 'posecheck extract' makes others).
"""


def add_parser(sub: Any) -> None:
    """Register the ``tune`` subcommand on the CLI's subparsers."""
    p = sub.add_parser(
        "tune",
        help="suggest thresholds that agree with a physiotherapist's counts (left-one-out figure)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--exercise", "-e", required=True, help="exercise id (see 'posecheck exercises')")
    p.add_argument("--labels", required=True, help="labels.json with the physiotherapist's counts")
    p.add_argument("--tracks", required=True, help="folder of the sessions' landmark tracks (.npz)")
    p.add_argument("--rules", help="the rule file to start from (default: the shipped one)")
    p.add_argument("--out", "-o", required=True, help="where to write the tuned rule file (.toml)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.set_defaults(func=cmd_tune)


def load_sessions(labels_path: str | Path, tracks_dir: str | Path, exercise: str) -> list[Session]:
    """Every session of ``exercise`` with a count in the labels file, with its track."""
    labels = load_labels(labels_path)
    tracks = Path(tracks_dir)
    if not tracks.is_dir():
        raise InputError(f"tracks folder not found: {tracks}; pass --tracks DIR (e.g. sample_videos/tracks)")
    out = []
    for clip, lab in sorted(labels.items()):
        suffix = Path(clip).suffix.lower()
        if lab.get("exercise") != exercise or lab.get("rep_count") is None:
            continue
        if suffix not in VIDEO_SUFFIXES and suffix != ".npz":
            continue  # a still picture has no count to agree with
        path = track_path_for(tracks, clip)
        if not path.is_file():
            raise InputError(
                f"no track for {clip}: {path} not found; make it with "
                f"'posecheck extract VIDEO --exercise {exercise} --out {path}' or fix --tracks"
            )
        out.append(Session(clip, Track.load(path), counted_from_label(lab, f"{labels_path}: {clip}")))
    if not out:
        raise InputError(f"{labels_path} has no session of {exercise} with a rep_count; label some first")
    return out


def _row(name: str, items: list[SessionAgreement | None]) -> str:
    cells = [f"{s.posecheck.reps:>8}" if s else f"{'':>8}" for s in items]
    return f"{name[:46]:<46} {items[0].physio.reps if items[0] else '':>6} " + " ".join(cells)


def _line(title: str, a: Agreement) -> str:
    return f"  {title:<24} {a.text()}"


def report(s: Suggestion) -> str:
    """The per-session table, the agreement before/after/left-one-out and the changed numbers."""
    lines = [f"{'session':<46} {'physio':>6} {'file':>8} {'tuned':>8} {'left-out':>8}"]
    for before, after, out in zip(s.before, s.after, s.left_out):
        lines.append(_row(before.name, [before, after, out]))
    summary = s.summary
    lines += [
        "agreement:",
        _line("before (file's values)", summary["before"]),
        _line("after, in sample", summary["after"]),
        _line("after, left-one-out", summary["left_one_out"]),
    ]
    if len(s.before) < 2:
        lines.append(
            "  (one session: left out, nothing is left to search on, so left-one-out is the file's values)"
        )
    diff = changes(s.base, s.rules)
    lines.append(
        "changed: " + ", ".join(f"{k} {old:g} -> {new:g}" for k, old, new in diff)
        if diff
        else "changed: nothing"
    )
    return "\n".join(lines)


def cmd_tune(args: argparse.Namespace) -> int:
    """Search, print agreement before and after, write the tuned file."""
    base = load_exercise(args.exercise, args.rules)
    source = args.rules or str(rules_dir() / f"{args.exercise}.toml")
    out = Path(args.out)
    if out.exists() and not args.force:
        raise InputError(f"{out} exists; pass --force to overwrite it or choose another --out")
    sessions = load_sessions(args.labels, args.tracks, args.exercise)
    print(
        f"tuning {args.exercise} on {len(sessions)} sessions from {args.labels} (rules: {source})", flush=True
    )
    found = suggest(base, sessions, lambda text: print(f"  {text}", file=sys.stderr, flush=True))
    print(report(found))
    save_rules_text(to_toml(found.rules, base, source), out, overwrite=args.force)
    print(f"wrote {out} (use it: posecheck analyze VIDEO --exercise {args.exercise} --rules {out})")
    return 0
