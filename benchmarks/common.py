"""What every section shares: paths and run configuration, timing, CPU pinning, printing, inputs.

Inputs are the real clips (found in ``../shared/videos`` or ``POSECHECK_FOOTAGE``), cut or looped
copies of them in a temporary folder, and the committed landmark track, looped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import psutil

from posecheck.track import Track
from posecheck.video import VideoReader

REPO = Path(__file__).resolve().parents[1]
FOOTAGE = Path(os.environ.get("POSECHECK_FOOTAGE", REPO.parent / "shared" / "videos"))
TRACKS = REPO / "sample_videos" / "tracks"
PHONE_CLIP = FOOTAGE / "bridge" / "ndnam0109-fitness-content__glute_bridges.mp4"
PHONE_TRACK = TRACKS / "bridge" / "ndnam0109-fitness-content__glute_bridges.npz"
WEBM_CLIP = FOOTAGE / "other" / "SiMikey-Gym-WebApp__videoplayback_1_dead_bug.webm"
SESSION_FRAMES = 18_000  # a 10-minute session at 30 frames/s

# What --only chooses from, in the order a run prints them. Sections 1-3 are one unit: their
# repeats are interleaved per clip so a change in the machine's load hits every variant alike.
SECTIONS = ("clips", "coach", "rescore", "memory", "batch", "agreement", "progress", "history")
SECTION_NUMBERS = {
    "1": "clips", "2": "clips", "3": "clips", "4": "coach", "5": "rescore", "6": "memory", "7": "batch", "8": "agreement",
    "9": "progress", "10": "history",
}  # fmt: skip
# Section 7's batch: one real clip per exercise (eight exercises), each cut to its first seconds.
BATCH_CLIPS = tuple(
    (exercise, FOOTAGE / exercise / name)
    for exercise, name in (
        ("bird_dog", "HonzaCzSk-polybag__bird_dog.mp4"),
        ("bridge", "ndnam0109-fitness-content__glute_bridges.mp4"),
        ("butt_stretch", "ndnam0109-fitness-content__figure_four_stretch.mp4"),
        ("hip_stretch", "Hpy2GitHub-merged-exercise__kneeling-hip-flexor-stretch.mp4"),
        ("leg_stretch", "ndnam0109-fitness-content__straight_leg_hugs.mp4"),
        ("lower_back_stretch", "HonzaCzSk-polybag__pozice_ditete_childs_pose.mp4"),
        ("lower_tummy", "ndnam0109-fitness-content__lay_back_knee_hugs.mp4"),
        ("spine_stretch", "Hpy2GitHub-merged-exercise__lower-trunk-rotation.mp4"),
    )
)

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
    sections: tuple[str, ...] = SECTIONS  # which of SECTIONS to run (--only)
    batch_inputs: tuple[tuple[str, Path], ...] = BATCH_CLIPS  # (exercise, clip) for section 7
    batch_seconds: float | None = 10.0  # each batch clip cut to its first seconds (None: whole)
    batch_ray: bool = True  # also time the batch on a local Ray (needs posecheck[cluster])
    batch_from_tracks: bool = False  # section 7 re-scores only, its folders made from the committed tracks
    progress_days: int = 365  # section 9: days of history, the whole programme every day


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
        batch_seconds=2.0,
        progress_days=28,
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
    """Pin each existing thread: MediaPipe and FFmpeg start theirs before we could pin the process."""
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


def thread_cpu_by_group() -> defaultdict[str, float]:
    """CPU seconds of this process's live threads, grouped by thread (Linux /proc).

    Python threads go by their Python name ('MainThread', 'prefetch', ...); MediaPipe names
    its threads 'mediapipe/N', FFmpeg's decoder 'av:<codec>:dfN'; native threads that keep the
    process name (x264, OpenCV) are 'other native'.
    """
    out: defaultdict[str, float] = defaultdict(float)
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


@contextlib.contextmanager
def patched(owner: Any, name: str, make: Callable[[Any], Any]) -> Iterator[bool]:
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


# ---------------------------------------------------------------------------------------------
# printing
# ---------------------------------------------------------------------------------------------
def say(text: str = "") -> None:
    """Print one report line at once (flushed: a long run shows its progress as it goes)."""
    print(text, flush=True)


def verdict(ok: bool | None) -> str:
    """PASS, MISS or n/a."""
    return "n/a " if ok is None else ("PASS" if ok else "MISS")


def video_length(seconds: float) -> str:
    """A video length for people: '20 s' or '10.0 min'."""
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


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
    return make_clip_reencoded(src, dst.with_suffix(".mp4"), seconds, loop)


def make_clip_reencoded(src: Path, dst: Path, seconds: float, loop: bool) -> Path:
    """:func:`make_clip` without ffmpeg: decode ``src`` and write it again at 640 px (H.264).

    The smaller picture keeps tests that time several passes over the clip quick.
    """
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
            # The next lap starts one frame (at 30 fps) after the last, so time keeps increasing.
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
