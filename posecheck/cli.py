"""The ``posecheck`` command line: exercises, analyze, extract, eval, live, app."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from posecheck.errors import PosecheckError

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _progress_bar(label: str):  # type: ignore[no-untyped-def]
    """A tqdm progress callback (shows time left); silent when stderr is not a terminal."""
    from tqdm import tqdm

    bar = tqdm(total=0, unit="frame", desc=label, disable=not sys.stderr.isatty(), leave=False)

    def update(done: int, total: int) -> None:
        if total and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    return bar, update


def cmd_exercises(_args: argparse.Namespace) -> int:
    """Print the ten exercises with dose and camera placement."""
    from posecheck.coach.loader import load_all

    for ex, rules in load_all().items():
        d = rules.dose
        dose = f"{d.reps[0]}-{d.reps[1]} reps"
        if rules.sides == "each":
            dose += " each side"
        elif rules.sides == "alternate":
            dose += ", alternating sides"
        if d.hold_s[1] > 0:
            dose += f", hold {d.hold_s[0]:g}-{d.hold_s[1]:g} s"
        print(f"{rules.handout_number:>2}. {ex:<19} {rules.title}: {dose}")
        print(f"    posture: {rules.posture.required}; camera: {rules.camera.placement}")
    return EXIT_OK


def cmd_analyze(args: argparse.Namespace) -> int:
    """Analyse a video, image or track and write the outputs."""
    from posecheck.analyze import analyze
    from posecheck.coach.loader import load_exercise
    from posecheck.pose.estimator import PoseOptions

    rules = load_exercise(args.exercise, args.rules)
    bar, update = _progress_bar(Path(args.input).name)
    try:
        result = analyze(args.input, rules, args.out, force=args.force, pose_options=PoseOptions(model=args.model),
                         progress=update)
    finally:
        bar.close()
    r = result.report
    reps = r["reps"]
    sides = f" (left {reps['left']}, right {reps['right']})" if reps.get("left") is not None else ""
    print(f"{rules.title}: {reps['total']} reps{sides}, {len(r['holds'])} holds, "
          f"{r['frames']['with_pose']}/{r['frames']['total']} frames with a person")
    if r.get("partial"):
        print(f"warning: the input broke off ({r.get('stop_reason')}); results cover what was readable",
              file=sys.stderr)
    for w in r.get("warnings", []):
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {', '.join(sorted(str(p) for p in result.files.values()))}")
    return EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    """Save the landmark track of a video."""
    from posecheck.extract import extract_track
    from posecheck.pose.estimator import PoseOptions
    from posecheck.video import check_input_path

    check_input_path(args.input)
    out = Path(args.out)
    if out.suffix != ".npz":
        raise PosecheckError(f"--out {out}: a track is saved as .npz; give a name ending in .npz")
    if out.exists() and not args.force:
        raise PosecheckError(f"{out} exists; pass --force to overwrite")
    bar, update = _progress_bar(Path(args.input).name)
    try:
        track = extract_track(args.input, PoseOptions(model=args.model), update)
    finally:
        bar.close()
    track.save(out)
    found = int((track.people > 0).sum())
    print(f"wrote {out}: {len(track)} frames, {found} with a person")
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    """Score the labelled clips (and variants) and print the accuracy table."""
    import json

    from posecheck.evaluate import VARIANTS, evaluate, format_table

    tracks = Path(args.tracks_dir) if args.tracks else None
    variants = tuple(args.variants.split(",")) if args.variants else VARIANTS
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise PosecheckError(f"unknown variant {unknown[0]!r}; choose from {', '.join(VARIANTS)}")
    report = evaluate(args.labels, tracks, variants, progress=lambda s: print(f"... {s}", file=sys.stderr))
    print(json.dumps(report, indent=1) if args.json else format_table(report))
    return EXIT_OK


def cmd_app(args: argparse.Namespace) -> int:
    """Start the Streamlit app."""
    app = Path(__file__).resolve().parents[1] / "app.py"
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port)]
    os.execv(sys.executable, cmd)
    return EXIT_OK  # pragma: no cover


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(prog="posecheck", description="Exercise form coach for a low-back handout.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("exercises", help="list the ten exercises with dose and camera placement")
    p.set_defaults(func=cmd_exercises)

    p = sub.add_parser("analyze", help="analyse a video, image or saved track")
    p.add_argument("input", help="video (mp4, mov, webm, gif), image (jpg, png) or track (.npz)")
    p.add_argument("--exercise", "-e", required=True, help="exercise id (see 'posecheck exercises')")
    p.add_argument("--out", "-o", required=True, help="output folder (must be new or empty unless --force)")
    p.add_argument("--rules", help="a rule file to use instead of the shipped one")
    p.add_argument("--model", help="a MediaPipe pose landmarker .task file (default: built offline)")
    p.add_argument("--force", action="store_true", help="allow writing into a non-empty output folder")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("extract", help="save the landmark track of a video (for re-scoring and tuning)")
    p.add_argument("input")
    p.add_argument("--out", "-o", required=True, help="track file (.npz)")
    p.add_argument("--model", help="a MediaPipe pose landmarker .task file")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_extract)

    default_labels = Path(__file__).resolve().parents[2] / "shared" / "videos" / "labels.json"
    p = sub.add_parser("eval", help="accuracy on labelled footage (counts, sides, holds, negatives)")
    p.add_argument("--labels", default=str(default_labels), help="labels.json beside the clips")
    p.add_argument("--tracks", action="store_true", help="score saved tracks instead of running the model")
    p.add_argument("--tracks-dir", default=str(Path(__file__).resolve().parents[1] / "sample_videos" / "tracks"))
    p.add_argument("--variants", help=f"comma-separated subset of: original,mirrored,rotated90,fps15")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("app", help="start the Streamlit app")
    p.add_argument("--port", type=int, default=8501)
    p.set_defaults(func=cmd_app)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit 0 on success, 2 with a one-line message for bad input."""
    os.environ.setdefault("GLOG_minloglevel", "2")  # keep MediaPipe's C++ log lines off the terminal
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except PosecheckError as exc:
        print(f"posecheck: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("posecheck: interrupted; finished outputs are kept, nothing half-written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
