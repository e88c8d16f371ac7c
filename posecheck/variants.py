"""Footage we do not have, made from footage we have: variants of a clip's landmark track and labels.

``posecheck eval`` scores each labelled clip as recorded and as each variant:

- ``mirrored``, ``rotated90``, ``fps15``: a selfie camera, a phone on its side with no rotation
  metadata, a cheap webcam's frame rate.
- ``trimmed``: a recording that starts 0.3 s before the first rep (or hold) and stops at the last
  one's end: no lead-in in which to see the start position, nothing after the last rep.
- ``time0.6x``, ``time1.5x``: a faster and a slower performer (the movement time-stretched at the
  clip's frame rate; the labels' times scale with it).
- ``lowres``: a 360 px picture (an old phone, a compressed upload).
- ``orbit+20``, ``orbit-20``, ``raised20``: a camera 20 deg round the person, or 20 deg above floor
  level. Tracks only: a moved camera sees the body from another side, which a transformed picture
  cannot show (that needs the 3D scene); the track form turns the model's 3D world landmarks.
- ``jitter``: a model less sure of itself (worse light, a noisier camera): landmark noise twice
  what the model shows on a still person. From video it is added to the model's track of the
  untransformed video.
- ``repeat6``: a studio clip with a duplicated frame every sixth frame (a 25 fps source shown at
  30 fps), times regular.

Here the variants are made on a landmark track (``posecheck eval --tracks``), which re-tests the
coach but not the model; :mod:`posecheck.video_variants` makes them on the frames.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from posecheck.body import torso_axis
from posecheck.landmarks import NAMES
from posecheck.track import Track
from posecheck.video_variants import (
    FPS15,
    LOWRES_LONG_SIDE,
    REPEAT_EVERY,
    STRETCHES,
    TIME_EPS_S,
    Window,
)

Labels = dict[str, Any]
TrackVariant = Callable[[Track, Labels], Track]

TRACK_ONLY_VARIANTS = ("orbit+20", "orbit-20", "raised20")
FROM_ORIGINAL_VARIANTS = ("jitter",)  # from video: made on the model's track of the untransformed video
VARIANTS = ("original", "mirrored", "rotated90", "fps15", "trimmed", *STRETCHES, "lowres",
            *TRACK_ONLY_VARIANTS, *FROM_ORIGINAL_VARIANTS, "repeat6")  # fmt: skip
NO_VIDEO_FORM = "a moved camera sees the body from another side, which no transform of the picture shows"
TRIM_LEAD_S = 0.3
MIN_FIT_POINTS = 6  # well-seen landmarks needed to fit the world-to-pixel map of a frame

# Landmark classes for jitter: the model is steadier on the face and trunk than on hands and feet.
JITTER_CLASSES: dict[str, tuple[str, ...]] = {
    "face": ("nose", "eye", "ear", "mouth"),
    "trunk": ("shoulder", "hip"),
    "elbows_knees": ("elbow", "knee"),
    "wrists_ankles": ("wrist", "ankle"),
    "hands_feet": ("pinky", "index", "thumb", "heel", "foot_index"),
}
# Frame-to-frame noise of the model on a still person, in torso lengths (shoulder-mid to hip-mid),
# per axis, as the standard deviation of independent per-frame noise. Measured by still_jitter()
# on the committed tracks inside the 45 labelled holds of 11 clips (0.25 s in from each end,
# landmarks with visibility > 0.5; 13-52 thousand values per class), see sample_videos/README.md.
# Heavy-tailed: the median is 0.0002 (a fraction of a pixel) and the root-mean-squares
# come from rare jumps, mostly of hands and feet: hence per class (x7 from face to feet).
STILL_JITTER = {"face": 0.0016, "trunk": 0.0022, "elbows_knees": 0.0055, "wrists_ankles": 0.0113,
                "hands_feet": 0.0151}  # fmt: skip
JITTER_TIMES = 2.0
JITTER_SEED = 6


# ----- labels ---------------------------------------------------------------------------------------
_SPAN_KEYS = ("start_s", "end_s", "peak_s")  # times inside labelled spans (peak_s may be a [from, to])
_CLIP_KEYS = ("duration_s", "start_position_s")  # times at the top level of a clip's labels


def _retimed(value: Any, fn: Callable[[float], float]) -> Any:
    if isinstance(value, list):
        return [_retimed(v, fn) for v in value]
    return fn(float(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _spans_of(lab: Labels) -> list[str]:
    return [k for k, v in lab.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]


def scale_labels(lab: Labels, factor: float) -> Labels:
    """The labels of the clip time-stretched by ``factor``: every time multiplied by it."""
    out = {k: _retimed(v, lambda t: t * factor) if k in _CLIP_KEYS else v for k, v in lab.items()}
    for key in _spans_of(lab):
        out[key] = [{k: _retimed(v, lambda t: t * factor) if k in _SPAN_KEYS else v
                     for k, v in span.items()} for span in lab[key]]  # fmt: skip
    return out


def trim_labels(lab: Labels, start: float, end: float) -> Labels:
    """The labels of the clip cut to ``start``..``end`` (times from ``start``); spans outside dropped."""

    def moved(t: float) -> float:
        return min(max(t, start), end) - start

    out = {k: _retimed(v, moved) if k in _CLIP_KEYS else v for k, v in lab.items()}
    out["duration_s"] = end - start
    for key in _spans_of(lab):
        kept = [s for s in lab[key] if not (_ends(s) < start or _starts(s) > end)]
        out[key] = [{k: _retimed(v, moved) if k in _SPAN_KEYS else v for k, v in s.items()} for s in kept]
    return out


# Label times are to the nearest 0.25 s: a hold this close to a loop's end or start touches the seam.
_SEAM_SLACK_S = 0.25


def looped_labels(lab: Labels, loop_s: float) -> Labels:
    """Labels made on one play of a looping animation, moved into its second play.

    A hold that runs into the loop's end and one that starts the loop are one hold across the
    seam (the labels of such clips say so): they become one.
    """

    def moved(x: dict[str, Any]) -> dict[str, Any]:
        return {**x, "start_s": x["start_s"] + loop_s, "end_s": x["end_s"] + loop_s}

    holds = [dict(h) for h in lab.get("holds", [])]
    ending = [h for h in holds if h["end_s"] >= loop_s - _SEAM_SLACK_S]
    starting = [h for h in holds if h["start_s"] <= _SEAM_SLACK_S]
    joined = []
    if ending and starting and ending[0] is not starting[0]:
        joined = [{**ending[0], "end_s": loop_s + starting[0]["end_s"]}]
        holds = [h for h in holds if h is not ending[0] and h is not starting[0]]
    return {
        **lab,
        "reps": [moved(r) for r in lab.get("reps", [])],
        "holds": [*joined, *(moved(h) for h in holds)],
    }


def _starts(span: dict[str, Any]) -> float:
    return float(span.get("start_s", -math.inf))


def _ends(span: dict[str, Any]) -> float:
    return float(span.get("end_s", math.inf))


def trim_window(lab: Labels) -> Window | None:
    """What "trimmed" keeps: from 0.3 s before the first labelled rep (holds, when the labels have
    no reps) to the last one's end; None when nothing is labelled."""
    spans = lab.get("reps") or lab.get("holds") or []
    if not spans:
        return None
    return max(0.0, min(float(s["start_s"]) for s in spans) - TRIM_LEAD_S), max(
        float(s["end_s"]) for s in spans
    )


def variant_labels(variant: str, lab: Labels, track: Track) -> Labels:
    """The labels of ``variant``'s clip, given its track (a trimmed track says where it was cut)."""
    if variant == "trimmed":
        cut = track.meta.get("trimmed")
        return trim_labels(lab, float(cut[0]), float(cut[1])) if cut else lab
    if variant in STRETCHES:
        return scale_labels(lab, STRETCHES[variant])
    return lab


# ----- the recording: frames and times --------------------------------------------------------------
def _other_view(meta: dict[str, Any]) -> dict[str, Any]:
    """Track metadata for a changed picture: a camera turn found from the original no longer holds."""
    return {k: v for k, v in meta.items() if k != "camera_turns"}


def _frames(track: Track, idx: np.ndarray, t: np.ndarray, meta: dict[str, Any]) -> Track:
    """The frames ``idx`` of ``track`` at times ``t``."""
    return Track(t, track.xy[idx], track.z[idx], track.visibility[idx], track.world[idx],
                 track.width, track.height, track.fps, meta)  # fmt: skip


def mirror_track(track: Track) -> Track:
    """The track of the left-right mirrored video (labels kept as MediaPipe's, positions flipped)."""
    xy = track.xy.copy()
    xy[..., 0] = track.width - xy[..., 0]
    return Track(track.t, xy, track.z, track.visibility, track.world, track.width, track.height, track.fps,
                 _other_view(track.meta))  # fmt: skip


def rotate_track(track: Track) -> Track:
    """The track of the video turned 90 degrees clockwise (a phone on its side, no metadata)."""
    xy = np.empty_like(track.xy)
    xy[..., 0] = track.height - track.xy[..., 1]
    xy[..., 1] = track.xy[..., 0]
    return Track(track.t, xy, track.z, track.visibility, track.world, track.height, track.width, track.fps,
                 _other_view(track.meta))  # fmt: skip


def resample_track(track: Track, fps: float = FPS15) -> Track:
    """Keep the frames nearest to a ``fps`` clock (timestamps stay the real ones)."""
    if len(track) == 0:
        return track
    keep: list[int] = []
    next_t = float(track.t[0])
    for i, t in enumerate(track.t):
        if t + 1e-6 >= next_t:
            keep.append(i)
            next_t += 1.0 / fps
    idx = np.asarray(keep)
    return Track(track.t[idx], track.xy[idx], track.z[idx], track.visibility[idx], track.world[idx],
                 track.width, track.height, fps, dict(track.meta))  # fmt: skip


def trim_track(track: Track, window: Window | None) -> Track:
    """The frames inside ``window``, times restarting at 0 (``meta['trimmed']``: where it was cut).

    A looping animation is kept whole: it has no lead-in or tail, every play is all performance.
    """
    if window is None or track.meta.get("loop_s") or len(track) == 0:
        return track
    start, end = window
    idx = np.flatnonzero((track.t >= start - TIME_EPS_S) & (track.t <= end + TIME_EPS_S))
    if len(idx) == 0:
        return _frames(track, idx, track.t[idx], dict(track.meta))
    first = float(track.t[idx[0]])
    return _frames(track, idx, track.t[idx] - first, {**track.meta, "trimmed": [first, end]})


def stretch_track(track: Track, factor: float) -> Track:
    """The performance taking ``factor`` times as long, at the track's own frame rate.

    Each new frame (time k / fps) is interpolated linearly between the two frames around time
    k / fps / factor of the original: NaN where either is NaN (so a person is there when they
    are in both), visibility 0 where nobody is (as a track records a frame without a person).
    """
    if len(track) == 0:
        return track
    fps = track.fps
    first = math.floor((float(track.t[0]) - TIME_EPS_S) * factor * fps)
    last = math.floor((float(track.t[-1]) + TIME_EPS_S) * factor * fps) + 1
    k = np.arange(max(first, 0), last + 1)
    u = k / fps / factor
    inside = (u >= track.t[0] - TIME_EPS_S) & (u <= track.t[-1] + TIME_EPS_S)
    k, u = k[inside], u[inside]
    hi = np.clip(np.searchsorted(track.t, u), 0, len(track) - 1)
    lo = np.clip(hi - 1, 0, len(track) - 1)
    # On a frame (within the clock's rounding): that frame alone.
    lo = np.where(np.abs(track.t[hi] - u) <= TIME_EPS_S, hi, lo)
    hi = np.where(np.abs(u - track.t[lo]) <= TIME_EPS_S, lo, hi)
    span = track.t[hi] - track.t[lo]
    w = np.where(span > 0, (u - track.t[lo]) / np.where(span > 0, span, 1.0), 0.0)

    def between(a: np.ndarray) -> np.ndarray:
        shape = (-1,) + (1,) * (a.ndim - 1)
        w_ = w.reshape(shape)
        mixed = np.where(w_ == 0, a[lo], a[lo] * (1 - w_) + a[hi] * w_)
        return np.asarray(mixed, dtype=a.dtype)

    xy = between(track.xy)
    absent = np.isnan(xy[..., 0])
    visibility = np.where(absent, 0.0, between(track.visibility)).astype(track.visibility.dtype)
    meta = dict(track.meta)
    if isinstance(meta.get("loop_s"), (int, float)):
        meta["loop_s"] = float(meta["loop_s"]) * factor
    return Track(k / fps, xy, between(track.z), visibility, between(track.world), track.width,
                 track.height, fps, meta)  # fmt: skip


def repeat_track(track: Track, every: int = REPEAT_EVERY) -> Track:
    """Every ``every``-th frame a copy of the one before (times unchanged), as a duplicated frame."""
    idx = np.arange(len(track))
    idx[every - 1 :: every] -= 1
    return _frames(track, idx, track.t.copy(), dict(track.meta))


# ----- the picture: size and camera -----------------------------------------------------------------
def lowres_track(track: Track, long_side: int = LOWRES_LONG_SIDE) -> Track:
    """The track of the video at a ``long_side`` px long side (never enlarged).

    Pixels are rounded to whole pixels of the small picture, a stand-in for the detail it lacks
    (how the model does on the small picture itself is what the video form measures).
    """
    scale = long_side / max(track.width, track.height)
    if scale >= 1.0:
        return track
    width, height = max(1, round(track.width * scale)), max(1, round(track.height * scale))
    sx, sy = width / track.width, height / track.height
    xy = np.round(track.xy * np.array([sx, sy])).astype(track.xy.dtype)
    z = (track.z * sx).astype(track.z.dtype)  # MediaPipe's depth is in x pixels
    return Track(track.t, xy, z, track.visibility, track.world, width, height, track.fps, dict(track.meta))


def _reproject(track: Track, turned: Callable[[np.ndarray], np.ndarray]) -> Track:
    """Pixels of the world landmarks moved by ``turned`` ((..., 3) metres -> (..., 2) picture axes).

    Each frame's world x, y are fitted to its pixels (one scale and an offset, from landmarks seen
    with visibility > 0.5); the turned world goes back through that fit, plus each landmark's
    residual from it, so a turn by 0 gives the track back.
    """
    pixels, world = track.xy.astype(float), track.world.astype(float)
    ok = np.isfinite(pixels[..., 0]) & np.isfinite(world[..., 0]) & (track.visibility > 0.5)
    count = ok.sum(-1)
    fitted = count >= MIN_FIT_POINTS
    weight = ok[..., None] / np.maximum(count, 1)[..., None, None]
    w_mean = np.nansum(world[..., :2] * weight, -2, keepdims=True)
    px_mean = np.nansum(pixels * weight, -2, keepdims=True)
    dw = np.where(ok[..., None], world[..., :2] - w_mean, 0.0)
    dp = np.where(ok[..., None], pixels - px_mean, 0.0)
    spread = np.sum(dw**2, (-1, -2))
    scale = (np.sum(dw * dp, (-1, -2)) / np.where(fitted & (spread > 0), spread, np.nan))[..., None, None]
    offset = px_mean - scale * w_mean
    residual = np.nan_to_num(pixels - (world[..., :2] * scale + offset))
    moved = turned(world) * scale + offset + residual
    use = (fitted & np.isfinite(scale[..., 0, 0]))[..., None, None]
    xy = np.where(use, moved, track.xy).astype(track.xy.dtype)
    return Track(track.t, xy, track.z, track.visibility, track.world, track.width, track.height, track.fps,
                 _other_view(track.meta))  # fmt: skip


def orbit(degrees: float) -> Callable[[Track], Track]:
    """A track variant: the camera moved round the person by ``degrees`` about the vertical.

    Visibility is kept as it was and the world landmarks' depth is the model's guess, so this
    shows which rules lean on a square side view, not exactly what a real camera would give.
    """
    turn = math.radians(degrees)

    def turned(world: np.ndarray) -> np.ndarray:
        return np.stack([world[..., 0] * math.cos(turn) + world[..., 2] * math.sin(turn), world[..., 1]], -1)

    return lambda track: _reproject(track, turned)


def raised(degrees: float) -> Callable[[Track], Track]:
    """A track variant: the camera raised ``degrees`` above floor level, looking down at the hips.

    The world landmarks are turned about the camera's horizontal axis (world y is down, z away
    from the camera: a point further away shows higher up), fitted back to pixels as in :func:`orbit`.
    """
    turn = math.radians(degrees)

    def turned(world: np.ndarray) -> np.ndarray:
        return np.stack([world[..., 0], world[..., 1] * math.cos(turn) - world[..., 2] * math.sin(turn)], -1)

    return lambda track: _reproject(track, turned)


# ----- the model's noise ----------------------------------------------------------------------------
def landmark_classes() -> dict[str, np.ndarray]:
    """The landmark indices of each jitter class."""
    bare = [n.removeprefix("left_").removeprefix("right_") for n in NAMES]  # "eye_inner", "mouth_left"
    return {c: np.array([i for i, n in enumerate(bare) if n.startswith(parts)])
            for c, parts in JITTER_CLASSES.items()}  # fmt: skip


def jitter_track(track: Track, times: float = JITTER_TIMES, seed: int = JITTER_SEED) -> Track:
    """Gaussian noise of ``times`` the still-person jitter (:data:`STILL_JITTER`) added to pixel xy,
    scaled by each frame's torso length; the same ``seed`` gives the same noise."""
    sigma = np.zeros(len(NAMES))
    for name, idx in landmark_classes().items():
        sigma[idx] = STILL_JITTER[name] * times
    _, torso = torso_axis(track.xy.astype(float))
    noise = np.random.default_rng(seed).standard_normal(track.xy.shape)
    xy = track.xy + np.nan_to_num(noise * sigma[:, None] * torso[..., None, None])
    return Track(track.t, xy.astype(track.xy.dtype), track.z, track.visibility, track.world,
                 track.width, track.height, track.fps, dict(track.meta))  # fmt: skip


def still_jitter(stills: Iterable[tuple[Track, list[Window]]], margin_s: float = 0.25) -> dict[str, float]:
    """Per landmark class, the model's frame-to-frame noise on a still person, in torso lengths.

    ``stills``: tracks with the spans in which the person is still (e.g. labelled holds, less
    ``margin_s`` at each end). Second differences of the first person's well-seen landmarks
    (visibility > 0.5 in all three frames) over the torso length, root-mean-square, / sqrt(6): the
    standard deviation of independent per-frame noise with that spread, per axis. Second, not
    first, differences: a slow drift inside a hold (a limb settling) hardly shows in them.
    """
    classes = landmark_classes()
    values: dict[str, list[np.ndarray]] = {c: [] for c in classes}
    for track, spans in stills:
        xy, seen = track.xy[:, 0].astype(float), track.visibility[:, 0] > 0.5
        _, torso = torso_axis(xy)
        for start, end in spans:
            i = np.flatnonzero((track.t >= start + margin_s) & (track.t <= end - margin_s))
            if len(i) < 3:
                continue
            a, b, c = i[:-2], i[1:-1], i[2:]
            d2 = (xy[c] - 2 * xy[b] + xy[a]) / torso[b][:, None, None]
            ok = seen[a] & seen[b] & seen[c] & np.isfinite(d2).all(-1)
            for name, idx in classes.items():
                values[name].append(d2[:, idx][ok[:, idx]].ravel())
    return {c: float(np.sqrt(np.mean(np.concatenate(v) ** 2) / 6)) if v else math.nan
            for c, v in values.items()}  # fmt: skip


def same_labels(fn: Callable[[Track], Track]) -> TrackVariant:
    """A track variant from a transform that leaves the clip's times, so its labels, as they are."""
    return lambda track, _lab: fn(track)


def _stretched(factor: float) -> TrackVariant:
    return lambda track, _lab: stretch_track(track, factor)


TRACK_VARIANTS: dict[str, TrackVariant] = {
    "original": lambda track, _lab: track,
    "mirrored": same_labels(mirror_track),
    "rotated90": same_labels(rotate_track),
    "fps15": same_labels(resample_track),
    "trimmed": lambda track, lab: trim_track(track, trim_window(lab)),
    **{name: _stretched(factor) for name, factor in STRETCHES.items()},
    "lowres": same_labels(lowres_track),
    "orbit+20": same_labels(orbit(20.0)),
    "orbit-20": same_labels(orbit(-20.0)),
    "raised20": same_labels(raised(20.0)),
    "jitter": same_labels(jitter_track),
    "repeat6": same_labels(repeat_track),
}
