"""Speed and memory of posecheck on real clips, measured in one run.

usage: .venv/bin/python benchmarks/run.py [--quick] [--repeats N] [--json PATH] [--no-memory]
                                          [--clips phone,webm] [--only SECTIONS] [--keep-temp]

What it prints (see benchmarks/README.md for the method), one module of this folder per section:

1. raw MediaPipe (decode + ``detect_for_video``, one pose, 960 px long side) against
   ``posecheck analyze`` end to end (``analyze_media`` into a temporary folder), frames/s, on
   one pinned core and on every core, with and without the two-person census (``speed.py``);
2. where the time goes per frame, the real ``analyze_media`` with its calls timed (``stages.py``);
3. threading variants of the same analyze_media: its decode/encode threads turned off
   (sequential), and one more thread that separates encoding from drawing (``variants.py``);
   sections 1-3 run together, repeats interleaved, clip by clip (``clips.py``);
4. the coach alone on a recorded track (``Coach.update``), split into prepare / metrics / step
   (``coach.py``);
5. re-scoring a 10-minute session (18,000 frames) as the tuning page does (``rescore.py``);
6. peak memory (RSS) of analysing a 1-minute and a 10-minute input (a real clip looped)
   (``memory.py``);
7. ``posecheck batch`` on eight real clips: 1 and 2 pool workers, a local Ray, and re-scoring
   the eight tracks with a changed rule file (``batch.py``);
8. the tune page's agreement table on ten 10-minute sessions, and one threshold suggestion with
   left-one-out (``agreement.py``);
9. the Progress page and the physiotherapist's report on a year of daily sets (``progress.py``);
10. saving live sets in the history: the frame thread's cost of ``SetRecorder.observe``, the
   writer thread's rate, the frame thread while another program holds the lock, and keeping the
   set's landmark track (µs per frame, MB per 10 minutes) (``history.py``);
then the machine's state at start and end, and PASS/MISS against the targets (never fails the run)
(``report.py``).

``--only coach`` (or ``--only 4``) runs section 4 alone; ``--only`` takes a comma-separated list
of clips (1-3), coach (4), rescore (5), memory (6), batch (7), agreement (8), progress (9) and
history (10). Every timing is repeated (3 runs by default)
and the median is quoted. Temporary files go to the system temp folder (never into the
repository) and are removed at the end.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# Run as a script, Python puts this folder first on sys.path, where the section modules
# (coach.py, memory.py, ...) would shadow any top-level module of the same name; they are
# imported as the ``benchmarks`` package from the repository instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(REPO) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from benchmarks.agreement import agreement_targets, bench_agreement, print_agreement  # noqa: E402
from benchmarks.batch import BatchResult, batch_targets, bench_batch, print_batch  # noqa: E402
from benchmarks.clips import bench_clips, clip_figures, warm_up  # noqa: E402
from benchmarks.coach import CoachResult, coach_alone, print_coach  # noqa: E402
from benchmarks.common import (  # noqa: E402
    PHONE_CLIP,
    SECTION_NUMBERS,
    SECTIONS,
    WEBM_CLIP,
    ClipSpec,
    Config,
    full_config,
    quick_config,
    say,
)
from benchmarks.history import bench_history, print_history  # noqa: E402
from benchmarks.memory import memory_child, memory_runs, print_memory  # noqa: E402
from benchmarks.progress import ProgressResult, bench_progress, print_progress, progress_targets  # noqa: E402
from benchmarks.report import format_machine, machine_state, print_targets, targets  # noqa: E402
from benchmarks.rescore import RescoreResult, print_rescore, rescore  # noqa: E402
from benchmarks.speed import ClipSpeed, print_speed  # noqa: E402
from benchmarks.stages import StageResult, print_stages  # noqa: E402
from posecheck.coach.loader import load_exercise  # noqa: E402
from posecheck.track import Track  # noqa: E402


def run_all(config: Config, workdir: Path) -> dict[str, Any]:
    """Every section in ``config.sections``, in order; prints as it goes and returns the figures."""
    figures: dict[str, Any] = {"config": {"repeats": config.repeats, "exercise": config.exercise}}
    start = machine_state()
    figures["machine_start"] = start
    say("== machine at start ==")
    say(format_machine(start))
    rules = load_exercise(config.exercise)
    t_start = time.perf_counter()

    speeds: list[ClipSpeed] = []
    stages: list[StageResult] = []
    if "clips" in config.sections:
        warm_up()
        speeds, stages = bench_clips(config, rules, workdir)
        print_speed(speeds)
        print_stages(speeds, stages)
        figures["clips"] = clip_figures(speeds, stages)

    track = Track.load(config.track) if {"coach", "rescore"} & set(config.sections) else None
    # Section 4 compares the coach with inference, which only sections 1-3 measure.
    inference_ms = stages[0].ms_per_frame("inference") if stages else math.nan
    coach: CoachResult | None = None
    if track is not None and "coach" in config.sections:
        coach = coach_alone(track, rules, config.coach_frames, config.repeats)
        print_coach(coach, inference_ms)
        figures["coach"] = dataclasses.asdict(coach) | {"inference_ms": inference_ms}

    rescored: RescoreResult | None = None
    if track is not None and "rescore" in config.sections:
        rescored = rescore(track, rules, config.rescore_frames, config.repeats)
        print_rescore(rescored)
        figures["rescore"] = dataclasses.asdict(rescored)

    memory: list[dict[str, Any]] = []
    if "memory" in config.sections and config.memory_source is not None:
        memory = memory_runs(config, workdir)
        print_memory(memory)
    figures["memory"] = memory

    batch: BatchResult | None = None
    if "batch" in config.sections and config.batch_inputs:
        batch = bench_batch(config, workdir)
        print_batch(batch)
        figures["batch"] = dataclasses.asdict(batch)

    agreement = (
        bench_agreement(config.repeats, config.rescore_frames) if "agreement" in config.sections else None
    )
    if agreement is not None:
        print_agreement(agreement)
        figures["agreement"] = dataclasses.asdict(agreement)
    progress: ProgressResult | None = None
    if "progress" in config.sections:
        progress = bench_progress(config, workdir)
        print_progress(progress)
        figures["progress"] = dataclasses.asdict(progress)
    if "history" in config.sections:
        saved = bench_history(config.repeats)
        print_history(saved)
        figures["history"] = dataclasses.asdict(saved)

    end = machine_state()
    figures["machine_end"] = end
    figures["targets"] = targets(speeds, coach, inference_ms, rescored, memory)
    figures["targets"] += batch_targets(batch) if batch is not None else []
    figures["targets"] += agreement_targets(agreement) if agreement is not None else []
    figures["targets"] += progress_targets(progress) if progress is not None else []
    print_targets(figures["targets"])
    say(f"\n== machine at end (benchmark took {(time.perf_counter() - t_start) / 60:.1f} min) ==")
    say(format_machine(end))
    return figures


def parse_sections(text: str) -> tuple[str, ...]:
    """``--only``'s comma-separated names or numbers as section names, in run order."""
    names = {SECTION_NUMBERS.get(n.strip(), n.strip().lower()) for n in text.split(",") if n.strip()}
    unknown = names - set(SECTIONS)
    if unknown or not names:
        raise ValueError(f"unknown section(s) {', '.join(sorted(unknown)) or text!r}")
    return tuple(s for s in SECTIONS if s in names)


def _clip_key(spec: ClipSpec) -> str:
    """'phone' or 'webm' (the --clips names)."""
    return "phone" if spec.path == PHONE_CLIP else "webm" if spec.path == WEBM_CLIP else spec.path.stem


def _missing_inputs(config: Config) -> list[str]:
    """Footage and track the chosen sections need but cannot find."""
    needed = [c.path for c in config.clips] if "clips" in config.sections else []
    if {"coach", "rescore"} & set(config.sections):
        needed.append(config.track)
    if "memory" in config.sections and config.memory_source is not None:
        needed.append(config.memory_source)
    if "batch" in config.sections:
        needed += [clip for _exercise, clip in config.batch_inputs]
    return list(dict.fromkeys(str(p) for p in needed if not p.is_file()))


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short version (a few minutes)")
    parser.add_argument("--repeats", type=int, help="timed runs per figure (default 3, quick 1)")
    parser.add_argument("--no-memory", action="store_true", help="skip the 1- and 10-minute memory runs")
    parser.add_argument(
        "--clips", default="phone,webm", help="which clips to time: phone, webm or both (default phone,webm)"
    )
    parser.add_argument(
        "--only",
        metavar="SECTIONS",
        help="run only these sections, comma-separated: clips (1-3, run together), coach (4), "
        "rescore (5), memory (6), batch (7), agreement (8), progress (9), history (10); numbers work too, "
        "e.g. --only coach or --only 4 (default: all)",
    )
    parser.add_argument(
        "--batch-from-tracks",
        action="store_true",
        help="section 7: only the re-scores, on folders made from the committed tracks (no model runs)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary folder")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--exercise", default="bridge", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, args.exercise)), flush=True)
        return 0
    config = quick_config() if args.quick else full_config()
    if args.repeats:
        config = dataclasses.replace(config, repeats=max(1, args.repeats))
    if args.no_memory:
        config = dataclasses.replace(config, memory_source=None)
    if args.batch_from_tracks:
        config = dataclasses.replace(config, batch_from_tracks=True)
    if args.only:
        try:
            config = dataclasses.replace(config, sections=parse_sections(args.only))
        except ValueError as exc:
            parser.error(f"--only: {exc}; choose from {', '.join(SECTIONS)} or 1-10")
    wanted = {name.strip() for name in args.clips.split(",") if name.strip()}
    chosen = tuple(c for c in config.clips if _clip_key(c) in wanted)
    if not chosen:
        parser.error(f"--clips: choose from phone, webm (got {args.clips!r})")
    config = dataclasses.replace(config, clips=chosen)
    missing = _missing_inputs(config)
    if missing:
        print(f"missing footage or track: {', '.join(missing)}", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="posecheck-bench-"))
    try:
        figures = run_all(config, workdir)
    finally:
        if args.keep_temp:
            print(f"temporary files kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=_json_default))
    return 0


if __name__ == "__main__":
    sys.exit(main())
