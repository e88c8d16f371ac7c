"""``posecheck live``: coach from a webcam or a recording in a desktop window."""

from __future__ import annotations

import argparse
from typing import Any


def cmd_live(args: argparse.Namespace) -> int:
    """Coach from a webcam or a recording in a desktop window (cues printed without a display)."""
    from posecheck.coach.loader import load_exercise
    from posecheck.coach.session import count_last_play
    from posecheck.desktop import LiveHistory, LiveOptions, RecordingFrames, camera_frames, run_live
    from posecheck.report import doubt_lines, hold_lines, uncounted_lines

    rules = load_exercise(args.exercise, args.rules)
    recording = RecordingFrames(args.video, realtime=not args.fast) if args.video else None
    print(f"{rules.title}: {rules.camera.placement}")
    saving = LiveHistory(
        args.exercise, args.rules, args.profile, save=not args.no_save, track=not args.no_track
    )
    frames, options = recording or camera_frames(args.camera), LiveOptions(window=not args.no_window)
    summary = run_live(frames, rules, options, recorder=saving.recorder)
    if recording is not None and recording.loop_s is not None:
        summary = count_last_play(summary, recording.loop_s)
        print(f"note: {summary.warnings[-1]}")
    sides = f" (left {summary.reps_left}, right {summary.reps_right})" if rules.has_sides else ""
    print(f"set done: {summary.reps_total} reps{sides}")
    for line in hold_lines(summary.holds):
        print(f"  {line}")
    for line in uncounted_lines(summary.uncounted) + doubt_lines(summary.rep_events):
        print(f"  {line}")
    saving.finish(summary)  # after count_last_play: a looping recording's set is one play's
    return 0


def add_parser(sub: Any) -> None:
    """Register the ``live`` subcommand on the CLI's subparsers."""
    p = sub.add_parser("live", help="live coaching in a desktop window (webcam or a recording)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--camera", type=int, default=0, help="webcam number (default 0)")
    source.add_argument("--video", help="a recording to coach against as if it were live")
    p.add_argument("--exercise", "-e", required=True)
    p.add_argument("--rules", help="a rule file to use instead of the shipped one")
    p.add_argument("--no-window", action="store_true", help="print cues and counts instead of a window")
    p.add_argument("--fast", action="store_true", help="with --video: do not wait for real time")
    p.add_argument("--profile", help="a name saved with the set in the history")
    p.add_argument("--no-save", action="store_true", help="do not save the set in the history")
    p.add_argument(
        "--no-track", action="store_true", help="save the set's numbers only, not its landmark track"
    )
    p.set_defaults(func=cmd_live)
