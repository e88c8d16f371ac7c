"""Section 7's re-score: the eight stored tracks re-scored with a changed rule file, split per video.

Two changes of the rule file: one that leaves every plot as it was (a comment: other bytes, another
SHA-256, so the batch re-scores; each angles.png's digest matches and it is copied), and a tuned
file as the tuning page writes it (``to_toml``) with the key metric's target bound moved (its
dashed line moves, so every angles.png is drawn again). Each in this process, imports warm, with
per video: scoring (``prepare_for`` + ``score_prepared``), plots (``plot_metrics``, drawn or
copied) and the rest (loading the track, reps.csv, report.json, batch.json, the folder swap).

``tracks_setup`` builds the eight result folders from the committed tracks (first 10 s, like
section 7's clips) instead of running the model, for ``--batch-from-tracks``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import TRACKS, patched, say

COMMENT = "\n# benchmark: a changed rule file (another SHA-256)\n"


@dataclass
class VideoSplit:
    """One video's re-score: where its milliseconds went."""

    name: str
    frames: int
    total_ms: float
    scoring_ms: float
    plot_ms: float
    action: str

    @property
    def writing_ms(self) -> float:
        """Loading the track and writing everything but the plot."""
        return self.total_ms - self.scoring_ms - self.plot_ms


@dataclass
class RescoreRun:
    """The eight re-scored once with one changed rule file, in this process."""

    label: str
    wall_s: float
    cpu_s: float
    videos: list[VideoSplit] = field(default_factory=list)


def tuned_text(rules_text: str, source: str) -> tuple[str, str]:
    """A tuning-page rule file with the key target bound moved, and what moved."""
    from benchmarks.rescore import changed_rules
    from posecheck.coach.loader import parse_rules
    from posecheck.ui.tuning import to_toml

    rules = parse_rules(rules_text, source)
    changed, what = changed_rules(rules)
    return to_toml(changed, rules, source), what


def _timer(total: list[float]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            a = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                total[0] += time.perf_counter() - a

        return wrapper

    return make


def time_rescore(label: str, tasks: Sequence[Any]) -> RescoreRun:
    """``run_one`` over ``tasks`` in this process, each video's time split."""
    import posecheck.analyze
    import posecheck.report
    from posecheck.batch import run_one

    scoring, plots = [0.0], [0.0]
    run = RescoreRun(label, 0.0, 0.0)
    cpu0 = time.process_time()
    start = time.perf_counter()
    with (
        patched(posecheck.analyze, "prepare_for", _timer(scoring)),
        patched(posecheck.analyze, "score_prepared", _timer(scoring)),
        patched(posecheck.report, "plot_metrics", _timer(plots)),
    ):
        for task in tasks:
            scoring[0] = plots[0] = 0.0
            a = time.perf_counter()
            row = run_one(task)
            total = time.perf_counter() - a
            report = Path(task.result_dir) / "report.json"
            frames = int(json.loads(report.read_text())["frames"]["total"]) if report.is_file() else 0
            run.videos.append(
                VideoSplit(
                    task.exercise, frames, 1000 * total, 1000 * scoring[0], 1000 * plots[0], row["action"]
                )
            )
    run.wall_s = time.perf_counter() - start
    run.cpu_s = time.process_time() - cpu0
    return run


def rescore_runs(base: Sequence[Any], workdir: Path) -> tuple[list[RescoreRun], str]:
    """The comment change, then the tuned file, each on the folders ``base`` left; what was tuned."""
    from posecheck.batch import run_one

    # One untimed re-score of a copy first: matplotlib loads its fonts on the first figure.
    warm = workdir / "batch-warm" / Path(base[0].result_dir).name
    shutil.copytree(base[0].result_dir, warm)
    first_tuned, _ = tuned_text(base[0].rules_text, base[0].rules_source)
    run_one(dataclasses.replace(base[0], rules_text=first_tuned, result_dir=str(warm)))
    comment = [dataclasses.replace(t, rules_text=t.rules_text + COMMENT) for t in base]
    runs = [time_rescore("comment only (plots unchanged)", comment)]
    tuned = [tuned_text(t.rules_text, t.rules_source) for t in base]
    changed = [dataclasses.replace(t, rules_text=text) for t, (text, _) in zip(base, tuned, strict=True)]
    runs.append(time_rescore("tuned: key target moved", changed))
    return runs, f"each exercise's key target bound one step, e.g. {tuned[0][1]}"


def tracks_setup(items: Sequence[Any], out: Path, seconds: float | None) -> list[Any]:
    """Result folders as a ``--no-video`` batch of ``items`` leaves them, from the committed tracks."""
    from posecheck.analyze import analyze_track
    from posecheck.batch import STAMP, _input_stamp, rules_sha256
    from posecheck.batch_run import plan
    from posecheck.coach.loader import parse_rules
    from posecheck.track import Track

    tasks = plan(items, out, None, annotate=False)
    for item, task in zip(items, tasks, strict=True):
        track = Track.load(TRACKS / str(item.exercise) / f"{Path(item.path).stem}.npz")
        if seconds is not None:
            keep = track.t < track.t[0] + seconds
            track = dataclasses.replace(
                track, t=track.t[keep], xy=track.xy[keep], z=track.z[keep],
                visibility=track.visibility[keep], world=track.world[keep],
            )  # fmt: skip
        folder = Path(task.result_dir)
        analyze_track(track, parse_rules(task.rules_text, task.rules_source), folder, force=True)
        track.save(folder / "track.npz")
        stamp = _input_stamp(Path(task.path)) | {"rules_sha256": rules_sha256(task.rules_text)}
        stamp.update(exercise=task.exercise, rules_source=task.rules_source, kind="video")
        stamp.update(rescored=False, annotated=False)
        (folder / STAMP).write_text(json.dumps(stamp), encoding="utf-8")
    return tasks


def print_rescore_runs(runs: Sequence[RescoreRun], tuned: str) -> None:
    """Per video ms (scoring / writing / plots) and the totals of each re-score."""
    for run in runs:
        frames = sum(v.frames for v in run.videos)
        say(
            f"   re-score, {run.label}: {run.wall_s:.2f} s wall, {run.cpu_s:.2f} s CPU, {frames} frames"
            + (f" ({tuned})" if run.label.startswith("tuned") else "")
        )
        for v in run.videos:
            say(
                f"     {v.name:<20} {v.frames:5d} frames  {v.total_ms:6.0f} ms = scoring {v.scoring_ms:5.0f}"
                f" + writing {v.writing_ms:5.0f} + plot {v.plot_ms:5.0f}  [{v.action}]"
            )
        n = len(run.videos) or 1
        say(
            f"     {'mean per video':<20} {'':5}         {sum(v.total_ms for v in run.videos) / n:6.0f} ms ="
            f" scoring {sum(v.scoring_ms for v in run.videos) / n:5.0f} + writing"
            f" {sum(v.writing_ms for v in run.videos) / n:5.0f} + plot {sum(v.plot_ms for v in run.videos) / n:5.0f}"
        )


def load_now() -> str:
    """The machine's load average, for the printout (busy machines make wall times long)."""
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} (5 min {five:.1f}), {os.cpu_count()} CPUs"
