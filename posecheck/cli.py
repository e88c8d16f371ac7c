"""The ``posecheck`` command line: exercises, programme, analyze, batch, history, extract, eval, live, app."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from posecheck.errors import Interrupted, PosecheckError

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class Progress:
    """A tqdm progress bar with frames done, rate and time left, for a terminal only.

    The bar is made at the first update, when the total is known, so it can show
    time left from the start; when ``stream`` is not a terminal nothing is printed
    (logs and pipes get the one-line summary only).
    """

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` frames (total 0 when unknown)."""
        if self._bar is None:
            stream = self.stream if self.stream is not None else sys.stderr
            if not _isatty(stream):
                return
            from tqdm import tqdm

            self._bar = tqdm(
                total=total or None,
                unit="frame",
                desc=self.label,
                file=stream,
                leave=False,
                dynamic_ncols=True,
            )
        if total and total >= done and self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        """Remove the bar from the terminal."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _is_fd2(stream: TextIO) -> bool:
    if stream is not sys.__stderr__:
        return False
    try:
        return stream.fileno() == 2
    except (AttributeError, ValueError, OSError):
        return False


@contextlib.contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Send what C++ libraries print on file descriptor 2 (MediaPipe, TFLite, absl) to /dev/null.

    Their INFO/WARNING lines would bury the one-line messages the user needs; Python's
    ``sys.stderr`` keeps the real terminal, so our messages, the progress bar and any
    traceback still show. ``POSECHECK_DEBUG=1`` keeps the native lines.
    """
    original = sys.stderr
    if os.environ.get("POSECHECK_DEBUG") or original is None or not _is_fd2(original):
        yield  # under a test runner or a redirected sys.stderr: leave everything as it is
        return
    original.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    sys.stderr = os.fdopen(saved, "w", buffering=1, encoding=original.encoding, errors="backslashreplace",
                           closefd=False)  # fmt: skip
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        sys.stderr = original
        os.close(devnull)
        os.close(saved)


def cmd_exercises(_args: argparse.Namespace) -> int:
    """Print the ten exercises with dose and camera placement."""
    from posecheck.coach.loader import load_all
    from posecheck.dose import dose_text, plan_from_rules

    for ex, rules in load_all().items():
        print(f"{rules.handout_number:>2}. {ex:<19} {rules.title}: {dose_text(plan_from_rules(rules))}")
        print(f"    posture: {rules.posture.required}; camera: {rules.camera.placement}")
    return EXIT_OK


def cmd_programme(args: argparse.Namespace) -> int:
    """Check a programme file and print its exercises with their doses."""
    from posecheck.dose import dose_text
    from posecheck.programme import load_programme

    programme = load_programme(args.programme)
    print(f"{programme.title} ({programme.id}, {programme.path})")
    for number, entry in enumerate(programme.entries, start=1):
        tuned = f" [rules: {entry.rules_path}]" if entry.tuned else ""
        print(f"{number:>2}. {entry.rules.title}: {dose_text(entry.dose)}{tuned}")
        if entry.note:
            print(f"    note: {entry.note}")
    return EXIT_OK


def cmd_analyze(args: argparse.Namespace) -> int:
    """Analyse a video, image or track and write the outputs."""
    from posecheck.analyze import analyze
    from posecheck.cli_history import save_analysis
    from posecheck.coach.loader import load_exercise
    from posecheck.pose.estimator import PoseOptions
    from posecheck.report import doubt_lines, hold_lines, uncounted_lines

    if args.profile and not args.save:
        raise PosecheckError("--profile names whose history the result is saved in: use it with --save")
    rules = load_exercise(args.exercise, args.rules)
    progress = Progress(Path(args.input).name)
    try:
        result = analyze(
            args.input,
            rules,
            args.out,
            force=args.force,
            pose_options=PoseOptions(model=args.model),
            progress=progress,
            annotate=not args.no_video,
        )
    finally:
        progress.close()
    r = result.report
    reps = r["reps"]
    sides = f" (left {reps['left']}, right {reps['right']})" if reps.get("left") is not None else ""
    print(
        f"{rules.title}: {reps['total']} reps{sides}, {len(r['holds'])} holds, "
        f"{r['frames']['with_pose']}/{r['frames']['total']} frames with a person"
    )
    for line in hold_lines(result.summary.holds):
        print(f"  {line}")
    for line in uncounted_lines(result.summary.uncounted) + doubt_lines(result.summary.rep_events):
        print(f"  {line}")
    still = r.get("still")
    if still:
        print(still["note"])
        for cue in still["cues"]:
            print(f"  cue: {cue}")
    if r.get("partial"):
        print(
            f"warning: {r.get('stop_reason')}; the results cover what came before (report.json: partial)",
            file=sys.stderr,
        )
    for w in r.get("warnings", []):
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {', '.join(sorted(str(p) for p in result.files.values()))}")
    if args.save:
        save_analysis(args, result.summary, result.files, partial=bool(r.get("partial")), still=bool(still))
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
        raise PosecheckError(f"{out} exists; pass --force to overwrite or choose another --out")
    wanted: tuple[str, ...] = ()
    if args.exercise:
        from posecheck.coach.engine import wanted_postures
        from posecheck.coach.loader import load_exercise

        wanted = wanted_postures(load_exercise(args.exercise))
    progress = Progress(Path(args.input).name)
    try:
        track = extract_track(args.input, PoseOptions(model=args.model), progress, wanted)
    finally:
        progress.close()
    track.save(out)
    found = int((track.people > 0).sum())
    print(f"wrote {out}: {len(track)} frames, {found} with a person")
    if track.meta.get("partial"):
        print(f"warning: {track.meta.get('stop_reason')}; the track covers what came before", file=sys.stderr)
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    """Accuracy on the labelled footage: counts, sides, holds and negatives."""
    import json

    from posecheck.evaluate import VARIANTS, evaluate, format_table

    variants = tuple(v.strip() for v in args.variants.split(",") if v.strip()) if args.variants else VARIANTS
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise PosecheckError(f"--variants: unknown {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
    labels = Path(args.labels)
    if not labels.is_file():
        raise PosecheckError(f"labels not found: {labels}; pass --labels PATH/TO/labels.json")
    stream = sys.stderr

    def progress(what: str) -> None:
        if _isatty(stream):
            print(f"\r\033[K{what}", end="", file=stream, flush=True)

    try:
        report = evaluate(
            labels,
            args.tracks_dir if args.tracks else None,
            variants,
            progress=progress,
            cache_dir=args.cache,
        )
    finally:
        if _isatty(stream):
            print("\r\033[K", end="", file=stream, flush=True)
    print(json.dumps(report, indent=2) if args.json else format_table(report))
    return EXIT_OK


def cmd_app(args: argparse.Namespace) -> int:
    """Start the Streamlit app."""
    app = Path(__file__).resolve().parents[1] / "app.py"
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port)]
    os.execv(sys.executable, cmd)
    return EXIT_OK  # pragma: no cover


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    from posecheck.cli_history import add_parser as add_history_parser
    from posecheck.cli_live import add_parser as add_live_parser

    parser = argparse.ArgumentParser(
        prog="posecheck", description="Exercise form coach for a low-back handout."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("exercises", help="list the ten exercises with dose and camera placement")
    p.set_defaults(func=cmd_exercises)

    p = sub.add_parser("programme", help="check a programme file and list its exercises and doses")
    p.add_argument(
        "programme", nargs="?", default="handout", help="a programme file, or a shipped one's name (handout)"
    )
    p.set_defaults(func=cmd_programme)

    p = sub.add_parser("analyze", help="analyse a video, image or saved track")
    p.add_argument("input", help="video (mp4, mov, webm, gif), image (jpg, png) or track (.npz)")
    p.add_argument("--exercise", "-e", required=True, help="exercise id (see 'posecheck exercises'), or auto")
    p.add_argument("--out", "-o", required=True, help="output folder (must be new or empty unless --force)")
    p.add_argument("--rules", help="a rule file to use instead of the shipped one")
    p.add_argument("--model", help="a MediaPipe pose landmarker .task file (default: built offline)")
    p.add_argument("--force", action="store_true", help="allow writing into a non-empty output folder")
    p.add_argument(
        "--no-video",
        action="store_true",
        help="skip annotated.mp4 (faster; the reports, plot and track are written)",
    )
    p.add_argument(
        "--save", action="store_true", help="also save the result in the history (see 'posecheck history')"
    )
    p.add_argument("--profile", help="with --save: whose history (a name; default none)")
    p.add_argument("--no-track", action="store_true", help="with --save: numbers only, no landmark track")
    p.set_defaults(func=cmd_analyze)

    add_history_parser(sub)

    p = sub.add_parser("extract", help="save the landmark track of a video (for re-scoring and tuning)")
    p.add_argument("input")
    p.add_argument("--out", "-o", required=True, help="track file (.npz)")
    p.add_argument(
        "--exercise",
        "-e",
        help="the exercise filmed: the picture is then checked for a phone on its side and turned "
        "upright for the model, as analyze does",
    )
    p.add_argument("--model", help="a MediaPipe pose landmarker .task file")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_extract)

    default_labels = Path(__file__).resolve().parents[2] / "shared" / "videos" / "labels.json"
    p = sub.add_parser("eval", help="accuracy on labelled footage (counts, sides, holds, negatives)")
    p.add_argument("--labels", default=str(default_labels), help="labels.json beside the clips")
    p.add_argument("--tracks", action="store_true", help="score saved tracks instead of running the model")
    p.add_argument(
        "--tracks-dir", default=str(Path(__file__).resolve().parents[1] / "sample_videos" / "tracks")
    )
    from posecheck.variants import TRACK_ONLY_VARIANTS, VARIANTS

    p.add_argument(
        "--variants",
        help=f"comma-separated subset of: {', '.join(VARIANTS)} (default: all; "
        f"{', '.join(TRACK_ONLY_VARIANTS)} are made from --tracks only); or routine (with --tracks)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--cache",
        help="folder to keep the model's tracks of each clip and variant in, reused on the next run "
        "while the video, the model and posecheck's pose and frame-variant code are unchanged",
    )
    p.set_defaults(func=cmd_eval)

    add_live_parser(sub)

    p = sub.add_parser("app", help="start the Streamlit app")
    p.add_argument("--port", type=int, default=8501)
    p.set_defaults(func=cmd_app)
    from posecheck.cli_auto import add_auto  # analyze --exercise auto, eval --variants routine
    from posecheck.cli_batch import add_parser as add_batch_parser
    from posecheck.cli_tune import add_parser as add_tune_parser

    add_batch_parser(sub)
    add_tune_parser(sub)
    add_auto(sub)
    return parser


def _interrupt(_signum: int, _frame: object) -> None:
    # SIGTERM (kill, a closing terminal, a stopped container) ends the run like Ctrl-C:
    # partial results are saved and no temporary file is left behind.
    raise KeyboardInterrupt


def _os_error_message(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}; check the path, its permissions and the free disk space"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit 0 on success, 2 with a one-line message for bad input, 130 when interrupted."""
    os.environ.setdefault("GLOG_minloglevel", "2")  # keep MediaPipe's C++ log lines off the terminal
    parser = build_parser()
    args = parser.parse_args(argv)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main_thread else None
    try:
        with quiet_native_logs():
            return int(args.func(args))
    except PosecheckError as exc:
        print(f"posecheck: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Interrupted as exc:
        if exc.saved is not None:
            print(f"posecheck: interrupted at {exc.at_s:.2f} s; the results so far are in {exc.saved} "
                  "(report.json says partial: true)", file=sys.stderr)  # fmt: skip
        else:
            print(
                "posecheck: interrupted before any frame was analysed; nothing was written", file=sys.stderr
            )
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("posecheck: interrupted; finished outputs are kept, nothing half-written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"posecheck: error: {_os_error_message(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
