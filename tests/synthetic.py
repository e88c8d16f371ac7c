"""Synthetic stick figures for tests: joint angles in, MediaPipe-like landmarks out.

A side-view figure is built by 2D forward kinematics in a body frame (head
direction +u, front +n) and placed in the image. ``facing`` chooses which way
the head points in the image and ``near`` which anatomical side faces the
camera; the far side is drawn slightly offset and with lower visibility, as
MediaPipe reports it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from posecheck.coach.feedback import SessionSummary
from posecheck.coach.loader import load_exercise
from posecheck.coach.schema import RuleSet
from posecheck.landmarks import INDEX
from posecheck.track import Track


@dataclass
class Pose2D:
    """Joint angles (degrees) of a side-view figure lying on its back (supine) or on all fours."""

    hip_flex_near: float = 45.0  # thigh angle from the torso line toward the front (0 = straight)
    hip_flex_far: float = 45.0
    knee_flex_near: float = 110.0  # 0 = straight leg
    knee_flex_far: float = 110.0
    torso_tilt: float = 0.0  # torso line from the horizontal, head end up (degrees)
    lift: float = 0.0  # hip lift above the floor, in torso lengths (bridge)
    shoulder_flex_near: float = 0.0  # arm from the torso line toward the head (0 = along the body)
    shoulder_flex_far: float = 0.0


def _rot(v: np.ndarray, deg: float) -> np.ndarray:
    r = math.radians(deg)
    c, s = math.cos(r), math.sin(r)
    return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1]])


def supine_landmarks(
    pose: Pose2D,
    *,
    head_left: bool = True,
    near: str = "right",
    size: float = 300.0,
    origin: tuple[float, float] = (640.0, 500.0),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xy (33,2), z (33,), visibility (33,)) of a supine figure in image pixels (y down).

    Supine with the head on the image left means the person's right side faces
    the camera; ``near`` must agree with that geometry for a real person, but
    tests may set it freely to simulate MediaPipe's labels.
    """
    # Body frame in "y up" maths: head direction u, front direction n (toward the ceiling).
    u = np.array([-1.0, 0.0]) if head_left else np.array([1.0, 0.0])
    u = _rot(u, -pose.torso_tilt if head_left else pose.torso_tilt)
    n = np.array([0.0, 1.0])
    n = n - np.dot(n, u) * u
    n /= np.linalg.norm(n)
    hip = np.array([0.0, pose.lift * size])
    shoulder = hip + u * size
    pts: dict[str, np.ndarray] = {}
    for side, flex, knee_flex, arm in (
        ("near", pose.hip_flex_near, pose.knee_flex_near, pose.shoulder_flex_near),
        ("far", pose.hip_flex_far, pose.knee_flex_far, pose.shoulder_flex_far),
    ):
        thigh_dir = -u * math.cos(math.radians(flex)) + n * math.sin(math.radians(flex))
        knee = hip + thigh_dir * 0.9 * size
        # The shin folds back toward the buttocks (knee flexion turns it toward the back).
        sign = 1.0 if np.cross(np.append(-u, 0), np.append(n, 0))[2] > 0 else -1.0
        shin_dir = _rot(thigh_dir, -sign * knee_flex)
        ankle = knee + shin_dir * 0.85 * size
        arm_dir = _rot(-u, sign * arm)
        elbow = shoulder + arm_dir * 0.6 * size
        wrist = elbow + arm_dir * 0.5 * size
        pts[f"{side}_hip"], pts[f"{side}_knee"], pts[f"{side}_ankle"] = hip, knee, ankle
        pts[f"{side}_shoulder"], pts[f"{side}_elbow"], pts[f"{side}_wrist"] = shoulder, elbow, wrist
        pts[f"{side}_heel"] = ankle - u * 0.05 * size
        pts[f"{side}_foot_index"] = ankle - u * 0.25 * size
        pts[f"{side}_ear"] = shoulder + u * 0.35 * size
    nose = shoulder + u * 0.42 * size + n * 0.12 * size
    far = "left" if near == "right" else "right"
    xy = np.full((33, 2), np.nan)
    z = np.zeros(33)
    vis = np.full(33, 0.95)
    offset = np.array([0.03, 0.02]) * size
    for name, p in pts.items():
        which, part = name.split("_", 1)
        label = near if which == "near" else far
        q = p + (offset if which == "far" else 0)
        xy[INDEX[f"{label}_{part}"]] = (origin[0] + q[0], origin[1] - q[1])
        z[INDEX[f"{label}_{part}"]] = 0.0 if which == "near" else 40.0
        vis[INDEX[f"{label}_{part}"]] = 0.95 if which == "near" else 0.7
    xy[INDEX["nose"]] = (origin[0] + nose[0], origin[1] - nose[1])
    for eye in (
        "left_eye",
        "right_eye",
        "left_eye_inner",
        "right_eye_inner",
        "left_eye_outer",
        "right_eye_outer",
    ):
        xy[INDEX[eye]] = xy[INDEX["nose"]] + np.array([-0.05 * size * u[0], -0.03 * size])
    for mouth in ("mouth_left", "mouth_right"):
        xy[INDEX[mouth]] = xy[INDEX["nose"]] + np.array([0.03 * size * u[0], 0.02 * size])
    for hand in ("pinky", "index", "thumb"):
        for side in ("left", "right"):
            xy[INDEX[f"{side}_{hand}"]] = xy[INDEX[f"{side}_wrist"]]
    return xy, z, vis


def make_track(
    frames: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None],
    fps: float = 30.0,
    width: int = 1280,
    height: int = 720,
) -> Track:
    """A Track from per-frame (xy, z, visibility) tuples (None = nobody found)."""
    n = len(frames)
    xy = np.full((n, 2, 33, 2), np.nan, np.float32)
    z = np.full((n, 2, 33), np.nan, np.float32)
    vis = np.zeros((n, 2, 33), np.float32)
    for i, f in enumerate(frames):
        if f is not None:
            xy[i, 0], z[i, 0], vis[i, 0] = f
    world = np.zeros((n, 2, 33, 3), np.float32)
    t = np.arange(n) / fps
    return Track(t, xy, z, vis, world, width, height, fps, {"source": "synthetic"})


def bridge_session(reps: int, fps: float = 30.0, rest_s: float = 2.0, up_s: float = 1.5) -> list[Pose2D]:
    """Poses of ``reps`` bridges: lying with knees bent, hips up to a straight line, down again."""
    poses: list[Pose2D] = []
    rest = Pose2D(hip_flex_near=45, hip_flex_far=45, knee_flex_near=110, knee_flex_far=110)
    for _ in range(int(rest_s * fps)):
        poses.append(rest)
    for _ in range(reps):
        steps = int(up_s * fps)
        for i in range(steps):
            a = math.sin(math.pi * i / (steps - 1))  # 0 -> 1 -> 0
            poses.append(Pose2D(hip_flex_near=45 * (1 - a), hip_flex_far=45 * (1 - a), knee_flex_near=110 - 20 * a,
                                knee_flex_far=110 - 20 * a, lift=0.45 * a, torso_tilt=-math.degrees(math.asin(0.45 * a))))  # fmt: skip
        for _ in range(int(rest_s * fps)):
            poses.append(rest)
    return poses


def decimate(track: Track, fps: float) -> Track:
    """Every k-th frame, down to about ``fps`` (keeps golden sweeps over many tracks fast)."""
    k = max(1, int(track.fps / fps + 0.05))
    if k == 1:
        return track
    return Track(track.t[::k], track.xy[::k], track.z[::k], track.visibility[::k], track.world[::k],
                 track.width, track.height, track.fps / k, track.meta)  # fmt: skip


@functools.cache
def rules(exercise: str) -> RuleSet:
    """The shipped rule set of ``exercise``, loaded once per test run."""
    return load_exercise(exercise)


def cue_ids(summary: SessionSummary) -> set[str]:
    """Ids of every cue a session raised."""
    return {c.id for c in summary.cues}
