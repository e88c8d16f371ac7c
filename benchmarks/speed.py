"""Section 1: raw MediaPipe against ``posecheck analyze`` end to end, frames/s.

*raw* is a bare decode + ``detect_for_video`` loop fed the same frames analyze feeds its model;
*analyze* is ``analyze_media`` into a temporary folder. Both are timed from opening the file to
closing it, pinned to one CPU and on every core (the loop that runs them is in ``clips.py``).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.common import ClipInfo, Timing, median, say, spread, timed
from posecheck.analyze import analyze_media
from posecheck.coach.schema import RuleSet
from posecheck.pose.estimator import PoseOptions
from posecheck.pose.model import default_model_path
from posecheck.video import VideoReader, resize_long_side


def raw_mediapipe(path: Path, long_side: int = PoseOptions.inference_long_side) -> Timing:
    """Decode + ``detect_for_video`` (one pose, the same bundle and downscale), nothing else.

    Timed from opening the file and creating the landmarker to closing both, like analyze.
    """

    def run() -> tuple[int, None]:
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions
        from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

        defaults = PoseOptions()
        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(default_model_path())),
            running_mode=RunningMode.VIDEO,
            num_poses=1,
            min_pose_detection_confidence=defaults.min_detection_confidence,
            min_pose_presence_confidence=defaults.min_detection_confidence,
            min_tracking_confidence=defaults.min_tracking_confidence,
        )
        n = 0
        last_ms = -1
        # Decoded at the model's size in the same FFmpeg pass analyze uses: the same frames.
        with (
            VideoReader(path, long_side) as reader,
            PoseLandmarker.create_from_options(options) as landmarker,
        ):
            for frame in reader:
                small = resize_long_side(frame.image, long_side)  # a no-op unless the reader changes
                image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(small))
                ms = max(round(frame.t * 1000), last_ms + 1)
                last_ms = ms
                landmarker.detect_for_video(image, ms)
                n += 1
        return n, None

    return timed(run)[0]


def analyze_end_to_end(
    path: Path, rules: RuleSet, workdir: Path, options: PoseOptions | None = None, annotate: bool = True
) -> Timing:
    """``analyze_media`` into a fresh temporary folder (decode, pose, coach, draw, encode, reports)."""
    out = Path(tempfile.mkdtemp(prefix="e2e-", dir=workdir))

    def run() -> tuple[int, None]:
        result = analyze_media(path, rules, out, force=True, pose_options=options, annotate=annotate)
        return int(result.summary.frames_total), None

    try:
        return timed(run)[0]
    finally:
        shutil.rmtree(out, ignore_errors=True)


@dataclass
class ClipSpeed:
    """Raw MediaPipe vs analyze on one clip, every repeat kept."""

    clip: ClipInfo
    raw_1cpu: list[Timing] = field(default_factory=list)
    e2e_1cpu: list[Timing] = field(default_factory=list)
    no_video_1cpu: list[Timing] = field(default_factory=list)  # analyze without the annotated video
    raw_all: list[Timing] = field(default_factory=list)
    e2e_all: list[Timing] = field(default_factory=list)
    e2e_no_census: list[Timing] = field(default_factory=list)
    threads_off: list[Timing] = field(default_factory=list)  # analyze's own threads made inline
    own_encoder: list[Timing] = field(default_factory=list)  # + a thread of our own for encoding
    pipelined: bool = False  # analyze_media has its own decode/encode threads
    variants_same_result: bool | None = None
    pinned_cpu: int | None = None

    @staticmethod
    def fps(runs: list[Timing]) -> float:
        """Median frames/s of ``runs``."""
        return median([r.fps for r in runs])

    def cpu_ratio(self) -> float:
        """Raw MediaPipe's CPU per frame over analyze's (all-core runs): the one-core speed ratio
        that would be seen with a core to ourselves, since a pinned run can only spend CPU."""
        raw = median([r.cpu_ms_per_frame for r in self.raw_all + self.raw_1cpu])
        e2e = median([r.cpu_ms_per_frame for r in self.e2e_all + self.e2e_1cpu])
        return raw / e2e if e2e > 0 else math.nan

    def ratio(self, e2e: list[Timing], raw: list[Timing]) -> float:
        """Median analyze frames/s over median raw frames/s."""
        return self.fps(e2e) / self.fps(raw) if raw and e2e else math.nan


def print_speed(speeds: list[ClipSpeed]) -> None:
    """Section 1 table."""
    say("\n== 1. raw MediaPipe vs posecheck analyze, frames/s (median; min-max over repeats) ==")
    say("   raw = decode + detect_for_video only; analyze = analyze_media end to end (setup, reports too)")
    for s in speeds:
        say(f"\n   {s.clip.label}  (real time = {s.clip.fps:.1f} fps)")
        rows: list[tuple[str, list[Timing]]] = []
        if s.raw_1cpu:
            rows += [(f"raw MediaPipe, 1 core (CPU {s.pinned_cpu})", s.raw_1cpu)]
            rows += [(f"analyze,       1 core (CPU {s.pinned_cpu})", s.e2e_1cpu)]
            rows += [("analyze, no annotated video, 1 core", s.no_video_1cpu)]
        rows += [("raw MediaPipe, all cores", s.raw_all), ("analyze,       all cores", s.e2e_all)]
        if s.e2e_no_census:
            rows += [("analyze, census off, all cores", s.e2e_no_census)]
        if s.threads_off:
            rows += [("analyze, its threads off (sequential)", s.threads_off)]
        if s.own_encoder:
            extra = "own encoder thread" if s.pipelined else "decode/encode threads"
            rows += [(f"analyze + {extra} (bench)", s.own_encoder)]
        for label, runs in rows:
            fps = [r.fps for r in runs]
            say(
                f"   {label:<40} {median(fps):7.1f} fps  {spread(fps):>11}   "
                f"CPU {median([r.cpu_ms_per_frame for r in runs]):5.1f} ms/frame, "
                f"cores used {median([r.cores_used for r in runs]):.2f}, "
                f"others {median([r.others_cores for r in runs]):.2f}"
            )
        if s.raw_1cpu:
            say(f"   ratio analyze/raw, 1 core:    {s.ratio(s.e2e_1cpu, s.raw_1cpu):.2f}x")
            say(f"   ratio of CPU per frame raw/analyze (load-independent): {s.cpu_ratio():.2f}x")
            say(
                f"   ratio analyze without the annotated video/raw, 1 core: "
                f"{s.ratio(s.no_video_1cpu, s.raw_1cpu):.2f}x (what drawing + H.264 encoding cost)"
            )
        say(f"   ratio analyze/raw, all cores: {s.ratio(s.e2e_all, s.raw_all):.2f}x")
        if s.e2e_no_census:
            on, off = ClipSpeed.fps(s.e2e_all), ClipSpeed.fps(s.e2e_no_census)
            cpu_on = median([r.cpu_ms_per_frame for r in s.e2e_all])
            cpu_off = median([r.cpu_ms_per_frame for r in s.e2e_no_census])
            say(
                f"   census (people_check_interval_s=1 vs 0): {cpu_on - cpu_off:+.2f} CPU ms/frame, "
                f"{1000 / on - 1000 / off:+.2f} wall ms/frame end to end "
                f"({off / on - 1:+.1%} speed without it)"
            )
        same = {True: "same rep counts as analyze", False: "DIFFERENT rep counts", None: ""}[
            s.variants_same_result
        ]
        if s.threads_off:
            gain = ClipSpeed.fps(s.e2e_all) / ClipSpeed.fps(s.threads_off)
            say(f"   analyze's threads vs sequential (all cores): {gain:.2f}x; {same}")
        if s.own_encoder:
            gain = ClipSpeed.fps(s.own_encoder) / ClipSpeed.fps(s.e2e_all)
            say(f"   + benchmark's extra threads vs analyze (all cores): {gain:.2f}x; {same}")
