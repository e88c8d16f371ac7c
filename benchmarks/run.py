"""Speed and memory of posecheck on real clips, measured in one run.

usage: .venv/bin/python benchmarks/run.py [--quick] [--repeats N] [--json PATH] [--no-memory]

What it prints (see benchmarks/README.md for the method):

1. raw MediaPipe (decode + ``detect_for_video``, one pose, 960 px long side) against
   ``posecheck analyze`` end to end (``analyze_media`` into a temporary folder), frames/s, on
   one pinned core and on every core, with and without the two-person census;
2. where the time goes per frame, from an instrumented loop that mirrors ``analyze_media``;
3. threading variants of the same analyze_media: its decode/encode threads turned off
   (sequential), and one more thread that separates encoding from drawing;
4. the coach alone on a recorded track (``Coach.update``), split into prepare / metrics / step;
5. re-scoring a 10-minute session (18,000 frames) as the tuning page does;
6. peak memory (RSS) of analysing a 1-minute and a 10-minute input (a real clip looped);
7. the machine's state at start and end, and PASS/MISS against the targets (never fails the run).

Every timing is repeated (3 runs by default) and the median is quoted. Temporary files go
to the system temp folder (never into the repository) and are removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import json
import math
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

# MediaPipe's C++ logging is noisy on stderr; keep warnings and errors only.
os.environ.setdefault("GLOG_minloglevel", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import psutil

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(REPO))

from posecheck.analyze import analyze_media  # noqa: E402
from posecheck.coach.engine import Coach  # noqa: E402
from posecheck.coach.loader import load_exercise  # noqa: E402
from posecheck.coach.schema import RuleSet  # noqa: E402
from posecheck.coach.session import PreparedTrack, person_frames, prepare_track, score_prepared  # noqa: E402
from posecheck.pose.estimator import PoseEstimator, PoseOptions  # noqa: E402
from posecheck.pose.model import default_model_path  # noqa: E402
from posecheck.track import Track, TrackBuilder  # noqa: E402
from posecheck.video import Frame, VideoReader, resize_long_side  # noqa: E402

FOOTAGE = Path(os.environ.get("POSECHECK_FOOTAGE", REPO.parent / "shared" / "videos"))
TRACKS = REPO / "sample_videos" / "tracks"
PHONE_CLIP = FOOTAGE / "bridge" / "ndnam0109-fitness-content__glute_bridges.mp4"
PHONE_TRACK = TRACKS / "bridge" / "ndnam0109-fitness-content__glute_bridges.npz"
WEBM_CLIP = FOOTAGE / "other" / "SiMikey-Gym-WebApp__videoplayback_1_dead_bug.webm"
SESSION_FRAMES = 18_000  # a 10-minute session at 30 frames/s

# Targets (printed as PASS/MISS, never enforced).
COACH_MAX_MS = 0.3
COACH_MAX_SHARE = 0.02
E2E_MIN_RATIO = 0.9
RESCORE_MAX_S = 1.0
MEMORY_FLAT_TOLERANCE = 0.10  # 10-minute peak at most this much above the 1-minute peak

T = TypeVar("T")


# ---------------------------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClipSpec:
    """A real clip to time, optionally cut to its first ``seconds`` (stream copy, no re-encode)."""

    label: str
    path: Path
    seconds: float | None = None


@dataclass(frozen=True)
class Config:
    """What one run measures and how long it takes."""

    clips: tuple[ClipSpec, ...]
    exercise: str = "bridge"
    track: Path = PHONE_TRACK
    repeats: int = 3
    coach_frames: int = 6_000  # frames of Coach.update per timing (the track is looped)
    rescore_frames: int = SESSION_FRAMES
    memory_source: Path | None = PHONE_CLIP
    memory_seconds: tuple[float, float] = (60.0, 600.0)
    single_core: bool = True  # also time raw vs analyze pinned to one CPU
    census: bool = True  # also time analyze with the census off
    variants: bool = True  # also time the threading variants (section 3)


def full_config() -> Config:
    """The default run: two real clips, 3 repeats, 1- and 10-minute memory runs (about 25 min)."""
    return Config(
        clips=(
            ClipSpec("phone 1080x1920 h264 (glute bridges)", PHONE_CLIP),
            ClipSpec("720p vp9 webm (dead bug), first 10 s", WEBM_CLIP, 10.0),
        )
    )


def quick_config() -> Config:
    """A short version (a few minutes): cut clips, one repeat, 5 s vs 20 s memory inputs."""
    return Config(
        clips=(
            ClipSpec("phone 1080x1920 h264 (glute bridges), first 3 s", PHONE_CLIP, 3.0),
            ClipSpec("720p vp9 webm (dead bug), first 2 s", WEBM_CLIP, 2.0),
        ),
        repeats=1,
        coach_frames=2_000,
        memory_seconds=(5.0, 20.0),
    )


# ---------------------------------------------------------------------------------------------
# measuring
# ---------------------------------------------------------------------------------------------
def _busy_cpu_s() -> float:
    """CPU seconds all processes on the machine have used (everything but idle and iowait)."""
    ct = psutil.cpu_times()
    return float(sum(ct)) - ct.idle - getattr(ct, "iowait", 0.0)


@dataclass
class Timing:
    """One timed run: frames processed, wall time, our CPU time and the whole machine's."""

    frames: int
    wall_s: float
    cpu_s: float  # this process, all threads
    machine_cpu_s: float  # every process on the machine (ours included)

    @property
    def fps(self) -> float:
        """Frames per second of wall time."""
        return self.frames / self.wall_s if self.wall_s > 0 else math.nan

    @property
    def cores_used(self) -> float:
        """Average number of cores this process kept busy."""
        return self.cpu_s / self.wall_s if self.wall_s > 0 else math.nan

    @property
    def cpu_ms_per_frame(self) -> float:
        """CPU milliseconds (all our threads) per frame: barely depends on other processes' load."""
        return 1000.0 * self.cpu_s / self.frames if self.frames else math.nan

    @property
    def others_cores(self) -> float:
        """Average number of cores other processes kept busy meanwhile (the load we competed with)."""
        return max(0.0, (self.machine_cpu_s - self.cpu_s) / self.wall_s) if self.wall_s > 0 else math.nan


def timed(fn: Callable[[], tuple[int, T]]) -> tuple[Timing, T]:
    """Run ``fn`` (returning (frames, result)) and measure wall, process and machine CPU time."""
    proc = psutil.Process()
    c0, m0, w0 = proc.cpu_times(), _busy_cpu_s(), time.perf_counter()
    frames, result = fn()
    w1, m1, c1 = time.perf_counter(), _busy_cpu_s(), proc.cpu_times()
    cpu = (c1.user + c1.system) - (c0.user + c0.system)
    return Timing(frames, w1 - w0, cpu, m1 - m0), result


def median(values: Sequence[float]) -> float:
    """Median of the finite values (NaN when there are none)."""
    finite = [v for v in values if math.isfinite(v)]
    return float(statistics.median(finite)) if finite else math.nan


def spread(values: Sequence[float]) -> str:
    """'min-max' of the values, for showing how noisy repeats were."""
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < 2:
        return ""
    return f"{min(finite):.1f}-{max(finite):.1f}"


def _set_affinity_all_threads(cpus: set[int]) -> None:
    for tid in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(int(tid), cpus)


@contextlib.contextmanager
def pinned(cpus: set[int] | None) -> Iterator[None]:
    """Restrict every thread of this process (and threads started meanwhile) to ``cpus``."""
    if cpus is None or not hasattr(os, "sched_setaffinity"):
        yield
        return
    original = os.sched_getaffinity(0)
    _set_affinity_all_threads(cpus)
    try:
        yield
    finally:
        _set_affinity_all_threads(original)


def least_busy_cpu(sample_s: float = 0.5) -> int:
    """The CPU (among those we may use) that other processes used least during ``sample_s``."""
    allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]
    usage = psutil.cpu_percent(interval=sample_s, percpu=True)
    return min(allowed, key=lambda c: usage[c] if c < len(usage) else 100.0)


def thread_cpu_by_group() -> Counter[str]:
    """CPU seconds of this process's live threads, grouped by thread (Linux /proc).

    Python threads go by their Python name ('MainThread', 'prefetch', ...); MediaPipe names
    its threads 'mediapipe/N', FFmpeg's decoder 'av:<codec>:dfN'; native threads that keep the
    process name (x264, OpenCV) are 'other native'.
    """
    out: Counter[str] = Counter()
    tick = os.sysconf("SC_CLK_TCK")
    python_names = {str(t.native_id): t.name for t in threading.enumerate() if t.native_id is not None}
    for tid in os.listdir("/proc/self/task"):
        try:
            name = Path(f"/proc/self/task/{tid}/comm").read_text().strip()
            fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if tid in python_names:
            group = python_names[tid]
        elif name.startswith(("python", "pt_", "posecheck")):
            group = "other native (x264, OpenCV, ...)"
        else:
            group = re.sub(r"[/:]?\d+$", "", name)
        out[group] += seconds
    return out


# ---------------------------------------------------------------------------------------------
# machine state
# ---------------------------------------------------------------------------------------------
def machine_state(sample_s: float = 1.0) -> dict[str, Any]:
    """nproc, CPU model, load average, memory, per-CPU use and the busiest other processes."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    me = os.getpid()
    procs = []
    for p in psutil.process_iter(["pid", "name"]):
        with contextlib.suppress(psutil.Error):
            p.cpu_percent(None)
            procs.append(p)
    per_cpu = psutil.cpu_percent(interval=sample_s, percpu=True)
    busiest = []
    for p in procs:
        with contextlib.suppress(psutil.Error):
            pct = p.cpu_percent(None)
            if p.pid != me and pct >= 5.0:
                busiest.append((pct, p.info["name"] or "?"))
    busiest.sort(reverse=True)
    vm = psutil.virtual_memory()
    return {
        "time": time.strftime("%Y-%m-%d %H:%M:%S"),
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": model or "unknown",
        "loadavg": list(os.getloadavg()),
        "cpu_percent": per_cpu,
        "mem_total_mb": vm.total / 2**20,
        "mem_available_mb": vm.available / 2**20,
        "busiest_processes": [f"{name} {pct:.0f}%" for pct, name in busiest[:6]],
    }


def format_machine(state: dict[str, Any]) -> str:
    """One paragraph describing the machine state."""
    load = " ".join(f"{x:.2f}" for x in state["loadavg"])
    cpus = " ".join(f"{x:.0f}%" for x in state["cpu_percent"])
    others = ", ".join(state["busiest_processes"]) or "none above 5%"
    return (
        f"  {state['time']}  nproc {state['nproc']} (usable {state['usable_cpus']})  "
        f"CPU {state['cpu_model']}\n"
        f"  load average {load}  per-CPU busy now {cpus}  "
        f"memory available {state['mem_available_mb']:.0f} / {state['mem_total_mb']:.0f} MB\n"
        f"  busiest processes (1 s): {others}"
    )


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------
def make_clip(src: Path, dst: Path, seconds: float, loop: bool = False) -> Path:
    """First ``seconds`` of ``src`` (looped when ``loop``) as ``dst``.

    With ffmpeg the packets are copied (``-stream_loop -1 -c copy``: the real bitstream,
    timestamps made continuous across loops). Without ffmpeg the frames are re-encoded
    with posecheck's own writer (slower, smaller; only meant for tests).
    """
    dst.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        cmd = [ffmpeg, "-nostdin", "-v", "error", "-y"]
        if loop:
            cmd += ["-stream_loop", "-1"]
        cmd += ["-i", str(src), "-t", f"{seconds:.3f}", "-map", "0:v:0", "-c", "copy", "-an", str(dst)]
        subprocess.run(cmd, check=True, capture_output=True)
        return dst
    return _make_clip_reencoded(src, dst.with_suffix(".mp4"), seconds, loop)


def _make_clip_reencoded(src: Path, dst: Path, seconds: float, loop: bool) -> Path:
    from posecheck.writer import VideoWriter

    with VideoWriter(dst, max_long_side=640) as writer:
        offset = 0.0
        while True:
            last = -1.0
            with VideoReader(src) as reader:
                for frame in reader:
                    t = offset + frame.t
                    if t >= seconds:
                        return dst
                    writer.write(frame.image, t)
                    last = frame.t
            if not loop or last < 0:
                return dst
            offset += last + 1.0 / 30.0


@dataclass
class ClipInfo:
    """What a prepared input is: size, codec, frame rate and frames."""

    label: str
    path: Path
    width: int
    height: int
    fps: float
    frames: int
    duration_s: float
    codec: str


def clip_info(label: str, path: Path) -> ClipInfo:
    """Probe ``path`` with posecheck's reader (frames counted by decoding when unknown)."""
    with VideoReader(path) as reader:
        info = reader.info
        frames = info.frame_count
    return ClipInfo(label, path, info.width, info.height, info.fps, frames, info.duration_s, info.codec)


def prepare_clip(spec: ClipSpec, workdir: Path) -> Path:
    """The path to time: the clip itself, or its first ``seconds`` copied into ``workdir``."""
    if spec.seconds is None:
        return spec.path
    slug = re.sub(r"[^A-Za-z0-9]+", "_", spec.path.stem)[:40]
    return make_clip(spec.path, workdir / f"{slug}_{spec.seconds:g}s{spec.path.suffix}", spec.seconds)


def loop_track(track: Track, n_frames: int) -> Track:
    """A track of ``n_frames`` frames: ``track`` repeated with timestamps that keep increasing."""
    n = len(track)
    if n == 0:
        raise ValueError("cannot loop an empty track")
    idx = np.arange(n_frames) % n
    lap = np.arange(n_frames) // n
    t0 = float(track.t[0])
    period = float(track.t[-1]) - t0 + 1.0 / (track.fps or 30.0)
    t = track.t[idx] - t0 + lap * period
    return dataclasses.replace(
        track,
        t=t.astype(np.float64),
        xy=track.xy[idx],
        z=track.z[idx],
        visibility=track.visibility[idx],
        world=track.world[idx],
        meta=dict(track.meta, looped_frames=n_frames),
    )


# ---------------------------------------------------------------------------------------------
# 1. raw MediaPipe and analyze end to end
# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# 2. stages: the real analyze_media with its calls timed one by one (in whichever thread runs them)
# ---------------------------------------------------------------------------------------------
STAGES = ("decode", "inference", "prepare+coach", "track", "resize for drawing", "draw", "encode")


class StageClock:
    """Collects per-call times while :func:`instrumented` is active (thread-safe)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self.cpu: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self.threads: dict[str, set[str]] = {s: set() for s in STAGES}
        self.busy: Counter[str] = Counter()  # thread name -> seconds inside timed calls
        self.finalize: dict[str, float] = {}
        self.frames = 0
        self.census_times: list[float] = []
        self.tracking_times: list[float] = []
        self.first_start = math.inf
        self.last_end = -math.inf
        self.cpu_at_start = math.nan
        self.cpu_at_end = math.nan
        self.threads0: Counter[str] = Counter()
        self.threads1: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, stage: str, start: float, end: float, cpu_s: float) -> None:
        """Account one call of ``stage`` that ran from ``start`` to ``end`` in the current thread."""
        thread = threading.current_thread().name
        with self._lock:
            if math.isinf(self.first_start):
                ct = psutil.Process().cpu_times()
                self.cpu_at_start = ct.user + ct.system
                self.threads0 = thread_cpu_by_group()
            self.first_start = min(self.first_start, start)
            self.last_end = max(self.last_end, end)
            self.wall[stage] = self.wall.get(stage, 0.0) + end - start
            self.cpu[stage] = self.cpu.get(stage, 0.0) + cpu_s
            self.threads.setdefault(stage, set()).add(thread)
            self.busy[thread] += end - start

    def loop_over(self) -> None:
        """The frame loop is over (called before the writer is closed): take the CPU snapshots."""
        with self._lock:
            if math.isnan(self.cpu_at_end) and not math.isinf(self.first_start):
                ct = psutil.Process().cpu_times()
                self.cpu_at_end = ct.user + ct.system
                self.threads1 = thread_cpu_by_group()


@contextlib.contextmanager
def _patched(owner: Any, name: str, make: Callable[[Any], Any]) -> Iterator[bool]:
    """Replace ``owner.name`` by ``make(original)`` for the duration (no-op when it is missing)."""
    own = name in vars(owner)
    original = getattr(owner, name, None)
    if original is None:
        yield False
        return
    setattr(owner, name, make(original))
    try:
        yield True
    finally:
        if own:
            setattr(owner, name, original)
        else:
            delattr(owner, name)


@contextlib.contextmanager
def instrumented(clock: StageClock) -> Iterator[None]:
    """Time the calls ``analyze_media`` makes per frame, in place (posecheck is not edited).

    Wraps VideoReader iteration (decode), PoseEstimator.detect (inference, census frames
    told apart), Coach.update, TrackBuilder.append, analyze's ``_for_drawing`` (resize),
    draw_feedback and VideoWriter.write/close, recording which thread ran each call.
    """
    import posecheck.analyze as analyze_module
    import posecheck.draw as draw_module
    from posecheck.writer import VideoWriter

    clock_wall, clock_cpu = time.perf_counter, time.thread_time

    def timed_call(stage: str) -> Callable[[Any], Any]:
        def make(original: Any) -> Any:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                w, c = clock_wall(), clock_cpu()
                try:
                    return original(*args, **kwargs)
                finally:
                    clock.add(stage, w, clock_wall(), clock_cpu() - c)

            return wrapper

        return make

    def timed_detect(original: Any) -> Any:
        def detect(self: PoseEstimator, *args: Any, **kwargs: Any) -> Any:
            before = getattr(self, "_last_census_t", None)
            w, c = clock_wall(), clock_cpu()
            try:
                return original(self, *args, **kwargs)
            finally:
                end = clock_wall()
                clock.add("inference", w, end, clock_cpu() - c)
                census = before is not None and getattr(self, "_last_census_t", None) != before
                (clock.census_times if census else clock.tracking_times).append(end - w)

        return detect

    def timed_iter(original: Any) -> Any:
        def frames(self: VideoReader) -> Iterator[Frame]:
            source = original(self)
            while True:
                w, c = clock_wall(), clock_cpu()
                try:
                    frame = next(source)
                except StopIteration:
                    clock.add("decode", w, clock_wall(), clock_cpu() - c)
                    return
                clock.add("decode", w, clock_wall(), clock_cpu() - c)
                clock.frames += 1
                yield frame

        return frames

    def timed_close(original: Any) -> Any:
        def close(self: Any, *args: Any, **kwargs: Any) -> Any:
            clock.loop_over()
            w = clock_wall()
            try:
                return original(self, *args, **kwargs)
            finally:
                key = "encoder flush+close"
                clock.finalize[key] = clock.finalize.get(key, 0.0) + clock_wall() - w

        return close

    with contextlib.ExitStack() as stack:
        stack.enter_context(_patched(VideoReader, "__iter__", timed_iter))
        stack.enter_context(_patched(PoseEstimator, "detect", timed_detect))
        stack.enter_context(_patched(Coach, "update", timed_call("prepare+coach")))
        stack.enter_context(_patched(TrackBuilder, "append", timed_call("track")))
        stack.enter_context(_patched(analyze_module, "_for_drawing", timed_call("resize for drawing")))
        stack.enter_context(_patched(draw_module, "draw_feedback", timed_call("draw")))
        if "draw_feedback" in vars(analyze_module):
            stack.enter_context(_patched(analyze_module, "draw_feedback", timed_call("draw")))
        stack.enter_context(_patched(VideoWriter, "write", timed_call("encode")))
        stack.enter_context(_patched(VideoWriter, "close", timed_close))
        yield


@dataclass
class StageResult:
    """Per-stage totals of one instrumented analyze_media run."""

    frames: int
    wall_s: dict[str, float]  # stage -> seconds inside its calls (in the thread that made them)
    cpu_s: dict[str, float]  # stage -> CPU seconds of the calling thread inside its calls
    threads: dict[str, list[str]]  # stage -> Python threads that ran it
    busy_s: dict[str, float]  # Python thread -> seconds inside timed calls
    setup_s: float
    finalize_s: dict[str, float]
    total_s: float
    loop_wall_s: float
    loop_cpu_s: float  # whole process during the frame loop
    census_calls: int
    census_frame_ms: float  # mean detect() time on frames where the census ran
    tracking_frame_ms: float  # mean detect() time on the other frames
    thread_cpu_s: dict[str, float]  # CPU during the loop by thread group (live threads)
    reps: int

    def ms_per_frame(self, stage: str) -> float:
        """Wall milliseconds per frame spent in ``stage``'s calls."""
        return 1000.0 * self.wall_s.get(stage, 0.0) / self.frames if self.frames else math.nan

    def cpu_ms_per_frame(self, stage: str) -> float:
        """CPU milliseconds per frame of the thread running ``stage`` (its helper threads excluded)."""
        return 1000.0 * self.cpu_s.get(stage, 0.0) / self.frames if self.frames else math.nan

    @property
    def main_other_ms(self) -> float:
        """Main-thread loop time outside the timed calls, ms/frame (waiting, bookkeeping, Python)."""
        if not self.frames:
            return math.nan
        return 1000.0 * max(0.0, self.loop_wall_s - self.busy_s.get("MainThread", 0.0)) / self.frames

    @property
    def census_ms_per_frame(self) -> float:
        """Census cost amortised over every frame (already inside 'inference')."""
        if not self.frames or not self.census_calls:
            return 0.0
        return max(0.0, self.census_frame_ms - self.tracking_frame_ms) * self.census_calls / self.frames


def stage_breakdown(
    path: Path, rules: RuleSet, workdir: Path, options: PoseOptions | None = None
) -> StageResult:
    """Run ``analyze_media`` once with every per-frame call timed (see :func:`instrumented`)."""
    clock = StageClock()
    out = Path(tempfile.mkdtemp(prefix="stages-", dir=workdir))
    try:
        with instrumented(clock):
            t0 = time.perf_counter()
            result = analyze_media(path, rules, out, force=True, pose_options=options)
            t1 = time.perf_counter()
    finally:
        shutil.rmtree(out, ignore_errors=True)
    clock.loop_over()
    loop_wall = clock.last_end - clock.first_start
    finalize = dict(clock.finalize)
    finalize["track, reports, plot"] = max(0.0, (t1 - clock.last_end) - sum(finalize.values()))
    threads = {k: clock.threads1.get(k, 0.0) - clock.threads0.get(k, 0.0) for k in clock.threads1}
    return StageResult(
        frames=clock.frames,
        wall_s=clock.wall,
        cpu_s=clock.cpu,
        threads={k: sorted(v) for k, v in clock.threads.items()},
        busy_s=dict(clock.busy),
        setup_s=clock.first_start - t0,
        finalize_s=finalize,
        total_s=t1 - t0,
        loop_wall_s=loop_wall,
        loop_cpu_s=clock.cpu_at_end - clock.cpu_at_start,
        census_calls=len(clock.census_times),
        census_frame_ms=1000.0 * float(np.mean(clock.census_times)) if clock.census_times else math.nan,
        tracking_frame_ms=1000.0 * float(np.mean(clock.tracking_times)) if clock.tracking_times else math.nan,
        thread_cpu_s={k: v for k, v in sorted(threads.items(), key=lambda kv: -kv[1]) if v > 0.005},
        reps=int(result.summary.reps_total),
    )


# ---------------------------------------------------------------------------------------------
# 3. threading variants of the real analyze_media (benchmark only; posecheck is not edited)
# ---------------------------------------------------------------------------------------------
def _put(q: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    """Put unless ``stop`` is set (never blocks forever on a full queue)."""
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


class _InlinePrefetch:
    """Stand-in for ``posecheck.pipeline.Prefetch`` that decodes in the caller's thread."""

    def __init__(self, source: Any, depth: int = 4) -> None:
        self._source = source

    def __iter__(self) -> Iterator[Any]:
        return iter(self._source)

    def close(self) -> None:
        """Nothing to stop."""


class _InlineBackground:
    """Stand-in for ``posecheck.pipeline.Background`` that does the work in the caller's thread."""

    def __init__(self, work: Callable[..., object], depth: int = 4) -> None:
        self._work = work

    def submit(self, *args: object) -> None:
        """Do the work now."""
        self._work(*args)

    def close(self) -> None:
        """Nothing queued."""


def analyze_pipelines() -> bool:
    """Whether ``analyze_media`` runs decode and draw/encode in threads (posecheck.pipeline)."""
    import posecheck.analyze as analyze_module

    return hasattr(analyze_module, "Prefetch") or hasattr(analyze_module, "Background")


@contextlib.contextmanager
def threads_off() -> Iterator[None]:
    """Make ``analyze_media`` sequential again: its Prefetch/Background run inline."""
    import posecheck.analyze as analyze_module

    with contextlib.ExitStack() as stack:
        stack.enter_context(_patched(analyze_module, "Prefetch", lambda _original: _InlinePrefetch))
        stack.enter_context(_patched(analyze_module, "Background", lambda _original: _InlineBackground))
        yield


@dataclass
class _Encoder:
    """A writer's background thread and its queue."""

    queue: queue.Queue[Any]
    thread: threading.Thread
    errors: list[BaseException]


_DONE = object()


@contextlib.contextmanager
def own_encoder_thread(depth: int = 4, prefetch: bool = False) -> Iterator[None]:
    """Give every VideoWriter its own encoder thread (and, with ``prefetch``, decode ahead).

    VideoWriter.write only queues the frame; a per-writer thread encodes, and close()
    drains it first. On top of analyze's own threads this splits drawing from encoding
    (one more thread); on a sequential analyze, ``prefetch`` adds the decode thread too.
    Frame order is kept (FIFO), so the outputs are the same.
    """
    from posecheck.writer import VideoWriter

    def prefetching(original: Any) -> Any:
        def frames(self: VideoReader) -> Iterator[Frame]:
            q: queue.Queue[Any] = queue.Queue(maxsize=depth)
            stop = threading.Event()

            def work() -> None:
                try:
                    for frame in original(self):
                        if not _put(q, ("frame", frame), stop):
                            return
                    _put(q, ("end", None), stop)
                except BaseException as exc:
                    _put(q, ("error", exc), stop)

            worker = threading.Thread(target=work, name="bench-decode", daemon=True)
            worker.start()
            try:
                while True:
                    kind, item = q.get()
                    if kind == "end":
                        return
                    if kind == "error":
                        raise item
                    yield item
            finally:
                stop.set()
                worker.join()

        return frames

    def queued_write(original: Any) -> Any:
        def write(self: Any, image: np.ndarray, t: float) -> None:
            enc: _Encoder | None = self.__dict__.get("_bench_encoder")
            if enc is None:
                enc = _Encoder(queue.Queue(maxsize=depth), threading.Thread(), [])

                def work(enc: _Encoder = enc) -> None:
                    while True:
                        item = enc.queue.get()
                        if item is _DONE:
                            return
                        if enc.errors:
                            continue  # keep draining so the producer never blocks
                        try:
                            original(self, *item)
                        except BaseException as exc:
                            enc.errors.append(exc)

                enc.thread = threading.Thread(target=work, name="bench-encode", daemon=True)
                self.__dict__["_bench_encoder"] = enc
                enc.thread.start()
            if enc.errors:
                raise enc.errors[0]
            enc.queue.put((image, t))

        return write

    def draining_close(original: Any) -> Any:
        def close(self: Any, *args: Any, **kwargs: Any) -> Any:
            enc: _Encoder | None = self.__dict__.pop("_bench_encoder", None)
            if enc is not None:
                enc.queue.put(_DONE)
                enc.thread.join()
                if enc.errors:
                    original(self, *args, **kwargs)
                    raise enc.errors[0]
            return original(self, *args, **kwargs)

        return close

    with contextlib.ExitStack() as stack:
        if prefetch:
            stack.enter_context(_patched(VideoReader, "__iter__", prefetching))
        stack.enter_context(_patched(VideoWriter, "write", queued_write))
        stack.enter_context(_patched(VideoWriter, "close", draining_close))
        yield


def analyze_variant(
    path: Path, rules: RuleSet, workdir: Path, variant: Callable[[], contextlib.AbstractContextManager[None]]
) -> tuple[Timing, int]:
    """Time ``analyze_media`` under ``variant()`` (a patching context); also return its rep count."""
    out = Path(tempfile.mkdtemp(prefix="variant-", dir=workdir))

    def run() -> tuple[int, int]:
        with variant():
            result = analyze_media(path, rules, out, force=True)
        return int(result.summary.frames_total), int(result.summary.reps_total)

    try:
        return timed(run)
    finally:
        shutil.rmtree(out, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# 4. the coach alone
# ---------------------------------------------------------------------------------------------
@dataclass
class CoachResult:
    """Microseconds per frame of Coach.update and of its three parts (medians over repeats)."""

    frames: int
    with_person: float  # share of frames with a tracked person
    update_us: list[float]  # wall
    update_cpu_us: list[float]  # CPU of the calling thread (less sensitive to other processes)
    prepare_us: list[float]
    measure_us: list[float]
    step_us: list[float]


def coach_alone(track: Track, rules: RuleSet, n_frames: int, repeats: int) -> CoachResult:
    """Feed a recorded track (looped to ``n_frames``) through ``Coach.update``, and its parts."""
    long = loop_track(track, n_frames)
    rows = [person_frames(long, i) for i in range(len(long))]
    times = [float(t) for t in long.t]
    result = CoachResult(
        len(rows), sum(r[0] is not None for r in rows) / max(1, len(rows)), [], [], [], [], []
    )
    clock = time.perf_counter
    for _ in range(repeats):
        coach = Coach(rules, long.width, long.height)
        a, cpu = clock(), time.thread_time()
        for t, (xy, z, vis, people) in zip(times, rows, strict=True):
            coach.update(t, xy, z, vis, people)
        result.update_us.append(1e6 * (clock() - a) / len(rows))
        result.update_cpu_us.append(1e6 * (time.thread_time() - cpu) / len(rows))
        # The same three calls Coach.update makes, timed one by one.
        coach = Coach(rules, long.width, long.height)
        prepare = getattr(coach, "_prepare", None)
        if prepare is None:
            continue
        tp = tm = ts = 0.0
        for t, (xy, z, vis, people) in zip(times, rows, strict=True):
            a = clock()
            frame = prepare(t, xy, z, vis, people)
            b = clock()
            metrics = coach.measure(frame)
            c = clock()
            coach.step(frame, metrics)
            d = clock()
            tp, tm, ts = tp + b - a, tm + c - b, ts + d - c
        result.prepare_us.append(1e6 * tp / len(rows))
        result.measure_us.append(1e6 * tm / len(rows))
        result.step_us.append(1e6 * ts / len(rows))
    return result


# ---------------------------------------------------------------------------------------------
# 5. re-scoring a 10-minute session (the tuning page)
# ---------------------------------------------------------------------------------------------
def changed_rules(rules: RuleSet) -> tuple[RuleSet, str]:
    """``rules`` with the key metric's target bound moved (a tuning-page edit), and what changed."""
    mv = rules.movement
    targets = list(mv.target)
    order = sorted(range(len(targets)), key=lambda i: targets[i].metric != mv.metric)
    for i in order:
        c = targets[i]
        if c.relative:
            continue
        for key in ("above", "below"):
            bound = getattr(c, key)
            if bound is None:
                continue
            step = 5.0 if abs(bound) >= 20 else 0.05
            new = bound + step if key == "above" else bound - step
            targets[i] = c.model_copy(update={key: new})
            changed = rules.model_copy(update={"movement": mv.model_copy(update={"target": targets})})
            return changed, f"movement.target {c.metric} {key} {bound:g} -> {new:g}"
    return rules, "no absolute target bound to change"


def _prepare_for(track: Track, rules: RuleSet) -> PreparedTrack:
    """``prepare_track`` as ``score_track`` calls it (with the exercise's postures when supported)."""
    from posecheck.coach import session

    prepare_for = getattr(session, "prepare_for", None)
    if prepare_for is not None:
        return prepare_for(track, rules)  # type: ignore[no-any-return]
    try:
        from posecheck.coach.engine import wanted_postures  # type: ignore[attr-defined]
    except ImportError:
        return prepare_track(track, rules.filter)
    return prepare_track(track, rules.filter, wanted_postures(rules))  # type: ignore[call-arg]


@dataclass
class RescoreResult:
    """prepare_track once, then score_prepared with the shipped and with changed thresholds."""

    frames: int
    session_s: float
    prepare_s: float
    score_s: list[float]  # changed thresholds, each repeat (wall)
    score_cpu_s: list[float]  # the same, CPU of the calling thread
    score_original_s: float
    change: str
    reps_original: int
    reps_changed: int


def rescore(track: Track, rules: RuleSet, n_frames: int, repeats: int) -> RescoreResult:
    """Time re-scoring an ``n_frames`` session: prepare once, then score with edited rules."""
    long = loop_track(track, n_frames)
    a = time.perf_counter()
    prepared = _prepare_for(long, rules)
    prepare_s = time.perf_counter() - a
    a = time.perf_counter()
    original = score_prepared(rules, prepared)
    score_original_s = time.perf_counter() - a
    changed, what = changed_rules(rules)
    times: list[float] = []
    cpu_times: list[float] = []
    reps_changed = 0
    for _ in range(repeats):
        a, cpu = time.perf_counter(), time.thread_time()
        scored = score_prepared(changed, prepared)
        times.append(time.perf_counter() - a)
        cpu_times.append(time.thread_time() - cpu)
        reps_changed = scored.summary.reps_total
    return RescoreResult(
        frames=len(long),
        session_s=float(long.t[-1] - long.t[0]),
        prepare_s=prepare_s,
        score_s=times,
        score_cpu_s=cpu_times,
        score_original_s=score_original_s,
        change=what,
        reps_original=original.summary.reps_total,
        reps_changed=reps_changed,
    )


# ---------------------------------------------------------------------------------------------
# 6. memory: analyze a 1-minute and a 10-minute input, each in a fresh process
# ---------------------------------------------------------------------------------------------
class RssSampler(threading.Thread):
    """Samples this process's RSS every ``interval_s`` seconds until stopped."""

    def __init__(self, interval_s: float = 0.05) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.interval_s = interval_s
        self.samples: list[tuple[float, int]] = []
        self._stop_event = threading.Event()
        self._proc = psutil.Process()

    def run(self) -> None:
        """Sample until :meth:`stop`."""
        while not self._stop_event.is_set():
            self.samples.append((time.perf_counter(), self._proc.memory_info().rss))
            self._stop_event.wait(self.interval_s)

    def stop(self) -> None:
        """Stop sampling (takes one last sample)."""
        self._stop_event.set()
        self.join()
        self.samples.append((time.perf_counter(), self._proc.memory_info().rss))

    def peak(self, start: float = -math.inf, end: float = math.inf) -> int:
        """Largest sample taken between ``start`` and ``end`` (perf_counter seconds)."""
        return max((rss for t, rss in self.samples if start <= t <= end), default=0)


def _vm_hwm_mb() -> float:
    """This process's peak RSS from /proc (VmHWM; 0 when unavailable).

    Unlike ``ru_maxrss`` it belongs to the current address space, so a child started
    from a big parent does not report the parent's size.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def memory_child(path: Path, exercise: str) -> dict[str, Any]:
    """Analyse ``path`` in this process and report its memory (run in a fresh process)."""
    rules = load_exercise(exercise)
    proc = psutil.Process()
    mb = 2.0**20
    marks: dict[str, Any] = {"rss_by_frame": []}
    progress_times: list[float] = []

    def progress(done: int, _total: int) -> None:
        now = time.perf_counter()
        if not progress_times:
            progress_times.append(now)
            marks["rss_first_frame_mb"] = proc.memory_info().rss / mb
        if len(progress_times) == 1:
            progress_times.append(now)
        progress_times[1] = now
        if done % 300 == 0:
            marks["rss_by_frame"].append((done, proc.memory_info().rss / mb))

    out = Path(tempfile.mkdtemp(prefix="mem-"))
    sampler = RssSampler()
    rss_start = proc.memory_info().rss / mb
    sampler.start()
    t0 = time.perf_counter()
    try:
        result = analyze_media(path, rules, out, force=True, progress=progress)
    finally:
        t1 = time.perf_counter()
        sampler.stop()
        shutil.rmtree(out, ignore_errors=True)
    loop_start = progress_times[0] if progress_times else t0
    loop_end = progress_times[-1] if progress_times else t1
    by_frame = marks["rss_by_frame"]
    return {
        "frames": int(result.summary.frames_total),
        "video_s": float(result.summary.duration_s),
        "wall_s": t1 - t0,
        "rss_start_mb": rss_start,
        "rss_first_frame_mb": marks.get("rss_first_frame_mb", math.nan),
        "rss_by_frame": by_frame,
        "peak_setup_mb": sampler.peak(t0, loop_start) / mb,
        "peak_loop_mb": sampler.peak(loop_start, loop_end) / mb,
        "peak_finalize_mb": sampler.peak(loop_end, t1 + 1) / mb,
        "peak_sampled_mb": sampler.peak() / mb,
        "peak_mb": _vm_hwm_mb() or sampler.peak() / mb,
    }


def measure_memory(path: Path, exercise: str) -> dict[str, Any]:
    """Run :func:`memory_child` on ``path`` in a fresh Python process and return its figures."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-child", str(path), "--exercise", exercise]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"memory run on {path} failed (exit {done.returncode}): {tail}")
    return dict(json.loads(lines[-1]))


# ---------------------------------------------------------------------------------------------
# orchestration and report
# ---------------------------------------------------------------------------------------------
def _say(text: str = "") -> None:
    print(text, flush=True)


def verdict(ok: bool | None) -> str:
    """PASS, MISS or n/a."""
    return "n/a " if ok is None else ("PASS" if ok else "MISS")


def _timing_dict(t: Timing) -> dict[str, float]:
    return {
        "frames": t.frames,
        "wall_s": t.wall_s,
        "fps": t.fps,
        "cores_used": t.cores_used,
        "others_cores": t.others_cores,
    }


def bench_clips(config: Config, rules: RuleSet, workdir: Path) -> tuple[list[ClipSpeed], list[StageResult]]:
    """Section 1-3 for every clip: repeats interleaved so load changes hit every variant alike."""
    speeds: list[ClipSpeed] = []
    stages: list[StageResult] = []
    no_census = PoseOptions(people_check_interval_s=0)
    for spec in config.clips:
        path = prepare_clip(spec, workdir)
        info = clip_info(spec.label, path)
        speed = ClipSpeed(info)
        _say(
            f"\n-- {info.label}: {info.width}x{info.height} {info.codec} {info.fps:.2f} fps, "
            f"{info.frames} frames, {info.duration_s:.1f} s"
        )
        cpu = least_busy_cpu() if config.single_core else None
        speed.pinned_cpu = cpu
        clip_stages: list[StageResult] = []
        for r in range(config.repeats):
            if cpu is not None:
                with pinned({cpu}):
                    speed.raw_1cpu.append(raw_mediapipe(path))
                    speed.e2e_1cpu.append(analyze_end_to_end(path, rules, workdir))
                    speed.no_video_1cpu.append(analyze_end_to_end(path, rules, workdir, annotate=False))
            speed.raw_all.append(raw_mediapipe(path))
            speed.e2e_all.append(analyze_end_to_end(path, rules, workdir))
            if config.census:
                speed.e2e_no_census.append(analyze_end_to_end(path, rules, workdir, no_census))
            clip_stages.append(stage_breakdown(path, rules, workdir))
            if config.variants:
                speed.pipelined = analyze_pipelines()
                reps = [clip_stages[-1].reps]
                if speed.pipelined:
                    timing, n = analyze_variant(path, rules, workdir, threads_off)
                    speed.threads_off.append(timing)
                    reps.append(n)
                extra = functools.partial(own_encoder_thread, prefetch=not speed.pipelined)
                timing, n = analyze_variant(path, rules, workdir, extra)
                speed.own_encoder.append(timing)
                reps.append(n)
                if r == 0:
                    speed.variants_same_result = len(set(reps)) == 1
            _say(
                f"   repeat {r + 1}/{config.repeats}: raw {speed.raw_all[-1].fps:.1f} fps, "
                f"analyze {speed.e2e_all[-1].fps:.1f} fps (others used "
                f"{speed.e2e_all[-1].others_cores:.2f} cores meanwhile)"
            )
        speeds.append(speed)
        # The repeat with the median loop time represents the clip.
        clip_stages.sort(key=lambda s: s.loop_wall_s)
        stages.append(clip_stages[len(clip_stages) // 2])
    return speeds, stages


def print_speed(speeds: list[ClipSpeed]) -> None:
    """Section 1 table."""
    _say("\n== 1. raw MediaPipe vs posecheck analyze, frames/s (median; min-max over repeats) ==")
    _say("   raw = decode + detect_for_video only; analyze = analyze_media end to end (setup, reports too)")
    for s in speeds:
        _say(f"\n   {s.clip.label}  (real time = {s.clip.fps:.1f} fps)")
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
            _say(
                f"   {label:<40} {median(fps):7.1f} fps  {spread(fps):>11}   "
                f"CPU {median([r.cpu_ms_per_frame for r in runs]):5.1f} ms/frame, "
                f"cores used {median([r.cores_used for r in runs]):.2f}, "
                f"others {median([r.others_cores for r in runs]):.2f}"
            )
        if s.raw_1cpu:
            _say(f"   ratio analyze/raw, 1 core:    {s.ratio(s.e2e_1cpu, s.raw_1cpu):.2f}x")
            _say(f"   ratio of CPU per frame raw/analyze (load-independent): {s.cpu_ratio():.2f}x")
            _say(
                f"   ratio analyze without the annotated video/raw, 1 core: "
                f"{s.ratio(s.no_video_1cpu, s.raw_1cpu):.2f}x (what drawing + H.264 encoding cost)"
            )
        _say(f"   ratio analyze/raw, all cores: {s.ratio(s.e2e_all, s.raw_all):.2f}x")
        if s.e2e_no_census:
            on, off = ClipSpeed.fps(s.e2e_all), ClipSpeed.fps(s.e2e_no_census)
            cpu_on = median([r.cpu_ms_per_frame for r in s.e2e_all])
            cpu_off = median([r.cpu_ms_per_frame for r in s.e2e_no_census])
            _say(
                f"   census (people_check_interval_s=1 vs 0): {cpu_on - cpu_off:+.2f} CPU ms/frame, "
                f"{1000 / on - 1000 / off:+.2f} wall ms/frame end to end "
                f"({off / on - 1:+.1%} speed without it)"
            )
        same = {True: "same rep counts as analyze", False: "DIFFERENT rep counts", None: ""}[
            s.variants_same_result
        ]
        if s.threads_off:
            gain = ClipSpeed.fps(s.e2e_all) / ClipSpeed.fps(s.threads_off)
            _say(f"   analyze's threads vs sequential (all cores): {gain:.2f}x; {same}")
        if s.own_encoder:
            gain = ClipSpeed.fps(s.own_encoder) / ClipSpeed.fps(s.e2e_all)
            _say(f"   + benchmark's extra threads vs analyze (all cores): {gain:.2f}x; {same}")


def print_stages(speeds: list[ClipSpeed], stages: list[StageResult]) -> None:
    """Section 2 table."""
    _say("\n== 2. time per stage, ms/frame (the real analyze_media, its calls timed in place; all cores) ==")
    _say("   wall = time inside the stage's calls, in the thread that made them; cpu = that thread's")
    _say("   own CPU in them (helper threads of MediaPipe, FFmpeg, x264 not included)")
    for s, st in zip(speeds, stages, strict=True):
        _say(
            f"\n   {s.clip.label}: {st.frames} frames, loop {st.frames / st.loop_wall_s:.1f} fps, "
            f"whole call {st.frames / st.total_s:.1f} fps (median repeat)"
        )
        for stage in STAGES:
            note = ""
            if stage == "inference":
                note = (
                    f"  (tracking frames {st.tracking_frame_ms:.1f} ms; {st.census_calls} census frames "
                    f"{st.census_frame_ms:.1f} ms -> census {st.census_ms_per_frame:.2f} ms/frame amortised)"
                )
            threads = ",".join(st.threads.get(stage, [])) or "-"
            _say(
                f"   {stage:<19} {st.ms_per_frame(stage):7.2f} wall {st.cpu_ms_per_frame(stage):6.2f} cpu"
                f"  [{threads}]{note}"
            )
        _say(
            f"   {'main, untimed':<19} {st.main_other_ms:7.2f} wall  (waiting for queues, bookkeeping, Python)"
        )
        busy = ", ".join(
            f"{name} {v / st.loop_wall_s:.0%}" for name, v in sorted(st.busy_s.items(), key=lambda kv: -kv[1])
        )
        _say(f"   share of the loop each Python thread spent in the calls above: {busy}")
        fin = ", ".join(f"{k} {1000 * v:.0f} ms" for k, v in st.finalize_s.items())
        _say(f"   once per video: setup (open, probe, landmarkers) {1000 * st.setup_s:.0f} ms; {fin}")
        _say(
            f"   CPU during the loop: {st.loop_cpu_s / st.loop_wall_s:.2f} cores busy on average; by live thread: "
            + ", ".join(f"{k} {1000 * v / st.frames:.1f}" for k, v in st.thread_cpu_s.items())
            + " ms/frame"
        )


def print_coach(result: CoachResult, inference_ms: float) -> None:
    """Section 4."""
    upd = median(result.update_us)
    _say(
        f"\n== 4. coach alone on a recorded track "
        f"({result.frames} frames, {result.with_person:.0%} with a person) =="
    )
    _say(
        f"   Coach.update: {upd:.1f} us/frame wall ({spread(result.update_us)}), "
        f"{median(result.update_cpu_us):.1f} us/frame CPU"
    )
    if result.prepare_us:
        p, m, s = median(result.prepare_us), median(result.measure_us), median(result.step_us)
        _say(
            f"   split: prepare {p:.1f} us (smoothing, sides, posture), metrics {m:.1f} us, "
            f"step (rules, reps, cues) {s:.1f} us"
        )
    if math.isfinite(inference_ms):
        _say(f"   = {upd / 1000 / inference_ms:.2%} of inference ({inference_ms:.1f} ms/frame)")


def print_rescore(result: RescoreResult) -> None:
    """Section 5."""
    _say(f"\n== 5. re-scoring a {result.session_s / 60:.1f}-minute session ({result.frames} frames) ==")
    _say(
        f"   prepare_track once: {result.prepare_s:.2f} s "
        f"({1e6 * result.prepare_s / result.frames:.0f} us/frame)"
    )
    _say(
        f"   score_prepared with {result.change}: {median(result.score_s):.3f} s median "
        f"({', '.join(f'{x:.3f}' for x in result.score_s)}); shipped rules {result.score_original_s:.3f} s"
    )
    _say(
        f"   score CPU {median(result.score_cpu_s):.3f} s; "
        f"reps {result.reps_original} shipped -> {result.reps_changed} changed"
    )


def _length(seconds: float) -> str:
    """A video length for people: '20 s' or '10.0 min'."""
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def print_memory(memory: list[dict[str, Any]]) -> None:
    """Section 6."""
    _say("\n== 6. peak memory (RSS) of analyze_media, fresh process per input ==")
    for m in memory:
        _say(
            f"   {_length(m['video_s']):>8} ({m['frames']} frames, {m['wall_s']:.0f} s wall, "
            f"{m['frames'] / m['wall_s']:.1f} fps): peak {m['peak_mb']:.0f} MB "
            f"(setup {m['peak_setup_mb']:.0f}, frame loop {m['peak_loop_mb']:.0f}, "
            f"finalize {m['peak_finalize_mb']:.0f}); RSS at first frame {m['rss_first_frame_mb']:.0f} MB"
        )
        by_frame = m["rss_by_frame"]
        if len(by_frame) >= 2:
            (f0, r0), (f1, r1) = by_frame[0], by_frame[-1]
            per_min = (r1 - r0) / max(1, f1 - f0) * 1800
            _say(
                f"      RSS frame {f0} -> {f1}: {r0:.0f} -> {r1:.0f} MB ({per_min:+.1f} MB per video minute)"
            )


def run_all(config: Config, workdir: Path) -> dict[str, Any]:
    """Every section; prints as it goes and returns the figures."""
    figures: dict[str, Any] = {"config": {"repeats": config.repeats, "exercise": config.exercise}}
    start = machine_state()
    figures["machine_start"] = start
    _say("== machine at start ==")
    _say(format_machine(start))
    rules = load_exercise(config.exercise)
    t_start = time.perf_counter()
    _say("\nwarming up (model bundle, imports) ...")
    default_model_path()
    import matplotlib.pyplot  # noqa: F401  (analyze plots; keep the first import out of the timings)

    speeds, stages = bench_clips(config, rules, workdir)
    print_speed(speeds)
    print_stages(speeds, stages)
    figures["clips"] = [
        {
            "label": s.clip.label,
            "size": [s.clip.width, s.clip.height],
            "fps": s.clip.fps,
            "frames": s.clip.frames,
            "raw_1cpu": [_timing_dict(t) for t in s.raw_1cpu],
            "analyze_1cpu": [_timing_dict(t) for t in s.e2e_1cpu],
            "raw_all": [_timing_dict(t) for t in s.raw_all],
            "analyze_all": [_timing_dict(t) for t in s.e2e_all],
            "analyze_no_census": [_timing_dict(t) for t in s.e2e_no_census],
            "analyze_pipelined": s.pipelined,
            "analyze_threads_off": [_timing_dict(t) for t in s.threads_off],
            "analyze_own_encoder": [_timing_dict(t) for t in s.own_encoder],
            "variants_same_result": s.variants_same_result,
            "stages_ms_per_frame": {k: st.ms_per_frame(k) for k in STAGES},
            "stages_cpu_ms_per_frame": {k: st.cpu_ms_per_frame(k) for k in STAGES},
            "stage_threads": st.threads,
            "main_untimed_ms_per_frame": st.main_other_ms,
            "census_ms_per_frame": st.census_ms_per_frame,
            "setup_s": st.setup_s,
            "finalize_s": st.finalize_s,
            "thread_cpu_ms_per_frame": {k: 1000 * v / st.frames for k, v in st.thread_cpu_s.items()},
        }
        for s, st in zip(speeds, stages, strict=True)
    ]

    track = Track.load(config.track)
    coach = coach_alone(track, rules, config.coach_frames, config.repeats)
    inference_ms = stages[0].ms_per_frame("inference") if stages else math.nan
    print_coach(coach, inference_ms)
    figures["coach"] = dataclasses.asdict(coach) | {"inference_ms": inference_ms}

    rescored = rescore(track, rules, config.rescore_frames, config.repeats)
    print_rescore(rescored)
    figures["rescore"] = dataclasses.asdict(rescored)

    memory: list[dict[str, Any]] = []
    if config.memory_source is not None:
        for seconds in config.memory_seconds:
            looped = make_clip(
                config.memory_source,
                workdir / f"loop_{seconds:g}s{config.memory_source.suffix}",
                seconds,
                loop=True,
            )
            _say(f"\nmemory: analysing a {seconds:g} s loop of {config.memory_source.name} ...")
            memory.append(measure_memory(looped, config.exercise))
            looped.unlink(missing_ok=True)
        print_memory(memory)
    figures["memory"] = memory

    end = machine_state()
    figures["machine_end"] = end
    figures["targets"] = targets(speeds, coach, inference_ms, rescored, memory)
    print_targets(figures["targets"])
    _say(f"\n== machine at end (benchmark took {(time.perf_counter() - t_start) / 60:.1f} min) ==")
    _say(format_machine(end))
    return figures


def targets(
    speeds: list[ClipSpeed],
    coach: CoachResult,
    inference_ms: float,
    rescored: RescoreResult,
    memory: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Each target: what it asks, the measured figure and whether it was met (None = not measured)."""
    out: list[dict[str, Any]] = []
    upd_ms = median(coach.update_us) / 1000
    share = upd_ms / inference_ms if math.isfinite(inference_ms) and inference_ms > 0 else math.nan
    out.append({
        "target": f"coach alone < {COACH_MAX_MS} ms/frame (< {COACH_MAX_SHARE:.0%} of inference)",
        "measured": f"{upd_ms:.3f} ms/frame = {share:.2%} of inference",
        "ok": upd_ms < COACH_MAX_MS and (not math.isfinite(share) or share < COACH_MAX_SHARE),
    })  # fmt: skip
    phone = speeds[0] if speeds else None
    if phone is not None and phone.raw_1cpu:
        ratio = phone.ratio(phone.e2e_1cpu, phone.raw_1cpu)
        e2e_fps, raw_fps = ClipSpeed.fps(phone.e2e_1cpu), ClipSpeed.fps(phone.raw_1cpu)
        out.append({
            "target": f"analyze >= {E2E_MIN_RATIO}x raw MediaPipe frames/s on one core ({phone.clip.label})",
            "measured": (
                f"{ratio:.2f}x ({e2e_fps:.1f} vs {raw_fps:.1f} fps); by CPU/frame {phone.cpu_ratio():.2f}x"
            ),
            "ok": ratio >= E2E_MIN_RATIO,
        })  # fmt: skip
    if phone is not None and phone.raw_all:
        # The other reading of "on one thread": one inference thread (no second model), with
        # decoding and drawing + encoding beside it, against the same bare loop.
        ratio = phone.ratio(phone.e2e_all, phone.raw_all)
        out.append({
            "target": f"analyze (one inference thread, decode/encode beside it) >= {E2E_MIN_RATIO}x raw",
            "measured": f"{ratio:.2f}x ({ClipSpeed.fps(phone.e2e_all):.1f} vs {ClipSpeed.fps(phone.raw_all):.1f} fps)",
            "ok": ratio >= E2E_MIN_RATIO,
        })  # fmt: skip
    if phone is not None:
        fps = ClipSpeed.fps(phone.e2e_all)
        out.append({
            "target": f"analyze faster than real time on all cores ({phone.clip.fps:.0f} fps clip)",
            "measured": f"{fps:.1f} fps = {fps / phone.clip.fps:.2f}x real time",
            "ok": fps >= phone.clip.fps,
        })  # fmt: skip
        variants = (("its threads off", phone.threads_off), ("+ own encoder thread", phone.own_encoder))
        for label, runs in variants:
            if runs:
                pfps = ClipSpeed.fps(runs)
                out.append({
                    "target": f"  (same, analyze {label})",
                    "measured": f"{pfps:.1f} fps = {pfps / phone.clip.fps:.2f}x real time",
                    "ok": pfps >= phone.clip.fps,
                })  # fmt: skip
    score = median(rescored.score_s)
    out.append({
        "target": f"re-scoring {rescored.frames} frames < {RESCORE_MAX_S:g} s",
        "measured": f"{score:.3f} s (prepare_track once before: {rescored.prepare_s:.2f} s)",
        "ok": score < RESCORE_MAX_S,
    })  # fmt: skip
    if len(memory) >= 2:
        short, long = memory[0], memory[-1]
        growth = long["peak_mb"] / short["peak_mb"] - 1
        out.append({
            "target": f"memory flat in video length (peak grows < {MEMORY_FLAT_TOLERANCE:.0%})",
            "measured": (
                f"{_length(short['video_s'])}: {short['peak_mb']:.0f} MB, "
                f"{_length(long['video_s'])}: {long['peak_mb']:.0f} MB ({growth:+.1%})"
            ),
            "ok": growth < MEMORY_FLAT_TOLERANCE,
        })  # fmt: skip
    return out


def print_targets(rows: list[dict[str, Any]]) -> None:
    """PASS/MISS table."""
    _say("\n== targets (reported, never enforced) ==")
    for row in rows:
        _say(f"   {verdict(row['ok'])}  {row['target']}: {row['measured']}")


def _clip_key(spec: ClipSpec) -> str:
    """'phone' or 'webm' (the --clips names)."""
    return "phone" if spec.path == PHONE_CLIP else "webm" if spec.path == WEBM_CLIP else spec.path.stem


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
    wanted = {name.strip() for name in args.clips.split(",") if name.strip()}
    chosen = tuple(c for c in config.clips if _clip_key(c) in wanted)
    if not chosen:
        parser.error(f"--clips: choose from phone, webm (got {args.clips!r})")
    config = dataclasses.replace(config, clips=chosen)
    missing = [str(c.path) for c in config.clips if not c.path.is_file()]
    if missing or not config.track.is_file():
        print(f"missing footage or track: {', '.join(missing) or config.track}", file=sys.stderr)
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
