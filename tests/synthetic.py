"""Synthetic stick figures for tests: joint angles in, MediaPipe-like landmarks out.

A side-view figure is built by 2D forward kinematics in a body frame (head
direction +u, front +n) and placed in the image. ``facing`` chooses which way
the head points in the image and ``near`` which anatomical side faces the
camera; the far side is drawn slightly offset and with lower visibility, as
MediaPipe reports it.
"""

from __future__ import annotations

import dataclasses
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


def hips_sliding_on_back(
    plan: list[tuple[float, float]],
    *,
    hip_flex: float = 45.0,
    knee_swing: float = 0.0,
    seed: int = 3,
    size: float = 300.0,
    fps: float = 30.0,
) -> Track:
    """Lying on the back, knees bent: ``plan`` is (seconds, hip slide toward the head in torso lengths).

    The supine pelvic tilt as the camera sees it. Every landmark gets 0.3 px of noise (the model's
    still jitter on shoulders and hips is about 0.002 torso lengths: 0.6 px at ``size`` 300);
    ``knee_swing`` swings the thighs that many degrees while the hips are slid.
    """
    rng = np.random.default_rng(seed)
    hips = [INDEX["left_hip"], INDEX["right_hip"]]
    frames = []
    for seconds, slide in plan:
        flex = hip_flex + (knee_swing if slide else 0.0)
        xy, z, vis = supine_landmarks(Pose2D(hip_flex_near=flex, hip_flex_far=flex), size=size)
        for _ in range(round(seconds * fps)):
            moved = xy.copy()
            moved[hips, 0] -= slide * size  # head on the image left: toward the head is -x
            frames.append((moved + rng.normal(0.0, 0.3, moved.shape), z, vis))
    return make_track(frames, fps=fps)


def with_target_above(rules: RuleSet, above: float) -> RuleSet:
    """``rules`` with the first target condition's threshold set to ``above`` (a tuned rule file)."""
    first, *others = rules.movement.target
    target = [first.model_copy(update={"above": above}), *others]
    return rules.model_copy(update={"movement": rules.movement.model_copy(update={"target": target})})


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


# ----- Figures in three dimensions: any posture, any camera --------------------------------------
# The builders above draw side views in the picture plane. The ones below place a body in the room
# and film it, so a posture the camera sees from the front (lying on the side, facing the camera) or
# at an angle is drawn as a camera would show it. Room coordinates: x along the floor (image right
# for a camera at floor height), y up, z toward the camera; lengths in torso lengths (shoulder
# midpoint to hip midpoint).
#
# Proportions as MediaPipe places the landmarks on the committed tracks (10th-90th percentiles over
# the clips, in torso lengths): thigh 0.6-0.95 and shin 0.6-0.9 in side views, upper arm 0.35-0.6,
# forearm 0.3-0.55; shoulders 0.70-0.72 and hips 0.40-0.44 apart at the widest (people facing the
# camera, e.g. the standing and goblet-squat clips).
THIGH, SHIN, UPPER_ARM, FOREARM = 0.85, 0.8, 0.55, 0.5
SHOULDER_HALF, HIP_HALF, EAR_HALF = 0.36, 0.21, 0.14
HEAD = 0.3  # shoulder midpoint to the ears, along the neck


def unit(v: np.ndarray | tuple[float, float, float]) -> np.ndarray:
    """``v`` scaled to length 1."""
    a = np.asarray(v, dtype=np.float64)
    return a / np.linalg.norm(a)


def turn(v: np.ndarray, axis: np.ndarray, deg: float) -> np.ndarray:
    """``v`` turned by ``deg`` about ``axis`` (right hand rule)."""
    k = unit(axis)
    r = math.radians(deg)
    return v * math.cos(r) + np.cross(k, v) * math.sin(r) + k * np.dot(k, v) * (1 - math.cos(r))


@dataclass(frozen=True)
class Leg:
    """One leg's joint angles (degrees) relative to the pelvis.

    ``hip_flex``: the thigh's angle from the torso line continued toward the feet, toward the front
    (0 = in line with the torso, as standing; 90 = thigh at right angles in front; negative =
    behind). ``knee_flex``: 0 = straight; the shin folds back toward the buttocks. ``abduct``: the
    thigh turned out to the side. ``rotate``: the shin turned about the thigh's axis, + = the foot
    swings toward the other leg (the hip's outward rotation: figure-4, pigeon, clamshell feet).
    """

    hip_flex: float = 0.0
    knee_flex: float = 0.0
    abduct: float = 0.0
    rotate: float = 0.0


@dataclass(frozen=True)
class Arm:
    """One arm: ``flex`` lifts the upper arm from along the body (0) to the front (90) and overhead
    (180); ``elbow_flex`` folds the forearm toward the front; ``abduct`` turns the arm out sideways."""

    flex: float = 0.0
    elbow_flex: float = 0.0
    abduct: float = 0.0


@dataclass(frozen=True)
class Body3D:
    """A person in the room: the hip midpoint, the torso's axes and the limbs' joint angles.

    ``up`` points from the hip midpoint to the shoulder midpoint, ``left`` to the person's own left
    (made perpendicular to ``up``); the front is left x up. ``neck_flex`` tips the head forward.
    """

    hip: tuple[float, float, float]
    up: tuple[float, float, float]
    left: tuple[float, float, float]
    legs: tuple[Leg, Leg] = (Leg(), Leg())  # (left, right)
    arms: tuple[Arm, Arm] = (Arm(), Arm())
    neck_flex: float = 0.0

    def points(self) -> dict[str, np.ndarray]:
        """Room coordinates of the landmarks, by MediaPipe name (and "_face": where the face looks)."""
        u = unit(self.up)
        lat = np.asarray(self.left, dtype=np.float64)
        lat = unit(lat - np.dot(lat, u) * u)
        f = np.cross(lat, u)
        hip = np.asarray(self.hip, dtype=np.float64)
        shoulder = hip + u
        pts: dict[str, np.ndarray] = {}
        for side, sign, leg, arm in (("left", 1.0, *self.limbs(0)), ("right", -1.0, *self.limbs(1))):
            out = lat * sign
            thigh, knee_front = _swing(u, f, out, leg.hip_flex, leg.abduct)
            kf = math.radians(leg.knee_flex)
            shin = thigh * math.cos(kf) - knee_front * math.sin(kf)
            toes = knee_front * math.cos(kf) + thigh * math.sin(kf)
            # Turning about the thigh's axis carries the shin and the foot round with it.
            shin, toes = (turn(v, thigh, -sign * leg.rotate) for v in (shin, toes))
            h = hip + out * HIP_HALF
            knee = h + THIGH * thigh
            ankle = knee + SHIN * shin
            pts[f"{side}_hip"], pts[f"{side}_knee"], pts[f"{side}_ankle"] = h, knee, ankle
            pts[f"{side}_heel"] = ankle - 0.06 * toes - 0.04 * shin
            pts[f"{side}_foot_index"] = ankle + 0.22 * toes
            upper, elbow_front = _swing(u, f, out, arm.flex, arm.abduct)
            ef = math.radians(arm.elbow_flex)
            fore = upper * math.cos(ef) + elbow_front * math.sin(ef)
            s = shoulder + out * SHOULDER_HALF
            elbow = s + UPPER_ARM * upper
            wrist = elbow + FOREARM * fore
            pts[f"{side}_shoulder"], pts[f"{side}_elbow"], pts[f"{side}_wrist"] = s, elbow, wrist
            for hand in ("pinky", "index", "thumb"):
                pts[f"{side}_{hand}"] = wrist + 0.08 * fore
        nf = math.radians(self.neck_flex)
        neck = u * math.cos(nf) + f * math.sin(nf)
        face = f * math.cos(nf) - u * math.sin(nf)
        head = shoulder + HEAD * neck
        pts["nose"] = head + 0.13 * face + 0.02 * neck
        for side, sign in (("left", 1.0), ("right", -1.0)):
            pts[f"{side}_ear"] = head + lat * sign * EAR_HALF
            for eye, w in (("eye_inner", 0.02), ("eye", 0.05), ("eye_outer", 0.08)):
                pts[f"{side}_{eye}"] = head + 0.1 * face + 0.08 * neck + lat * sign * w
            pts[f"mouth_{side}"] = head + 0.1 * face - 0.06 * neck + lat * sign * 0.04
        pts["_face"] = face
        return pts

    def limbs(self, i: int) -> tuple[Leg, Arm]:
        """The leg and the arm of one side (0 = left, 1 = right)."""
        return self.legs[i], self.arms[i]


def _swing(
    u: np.ndarray, f: np.ndarray, out: np.ndarray, flex: float, abduct: float
) -> tuple[np.ndarray, np.ndarray]:
    """A limb's direction from its root (and the direction its joint bends toward).

    ``flex`` swings it from along the torso toward the feet (0) to the front (90) and on toward the
    head (180); ``abduct`` then turns it out sideways (toward ``out``).
    """
    a = math.radians(flex)
    limb = -u * math.cos(a) + f * math.sin(a)
    bend = u * math.sin(a) + f * math.cos(a)  # the limb's front: where a knee or elbow folds to
    axis = np.cross(limb, out)  # turning about it moves the limb toward ``out``
    return turn(limb, axis, abduct), turn(bend, axis, abduct)


_FACE = ("nose", "eye", "mouth")


def film(
    body: Body3D,
    *,
    yaw: float = 0.0,
    raised: float = 10.0,
    size: float = 230.0,
    origin: tuple[float, float] = (640.0, 600.0),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xy (33, 2), z (33,), visibility (33,)) of ``body`` filmed by a camera at the room's +z side.

    ``yaw`` (degrees) walks the camera round the person (about the vertical), ``raised`` tilts it
    down from above (a phone on a low shelf: 10 deg, which puts the far shoulder 0.1-0.2 torso
    lengths above the near one as on the side-view clips). ``size`` is pixels per torso length;
    the room's floor origin lands on ``origin``. Landmarks more than 0.15 torso lengths behind the
    hip midpoint are seen less well (visibility 0.75) as MediaPipe reports a far side; the face,
    when it looks away from the camera, is not seen (0.2).
    """
    pts = body.points()
    face = pts.pop("_face")
    # The camera's axes (x right, y up, z toward it): the room turned by -yaw about the vertical,
    # then tilted by ``raised`` about the camera's horizontal axis.
    turned = np.array([turn(turn(e, np.array([0.0, 1.0, 0.0]), -yaw), np.array([1.0, 0.0, 0.0]), raised)
                       for e in np.eye(3)]).T  # fmt: skip
    names = list(pts)
    q = np.stack([pts[n] for n in names]) @ turned.T
    depth0 = (turned @ np.asarray(body.hip, dtype=np.float64))[2]
    looking = (turned @ face)[2]
    xy, z, vis = np.full((33, 2), np.nan), np.zeros(33), np.zeros(33)
    idx = [INDEX[n] for n in names]
    xy[idx, 0] = origin[0] + size * q[:, 0]
    xy[idx, 1] = origin[1] - size * q[:, 1]
    z[idx] = -size * q[:, 2]  # MediaPipe: smaller = nearer
    vis[idx] = np.where(depth0 - q[:, 2] > 0.15, 0.75, 0.95)
    if looking < -0.3:
        for i, n in zip(idx, names):
            if any(part in n for part in _FACE):
                vis[i] = 0.2
    return xy, z, vis


def blend_bodies(a: Body3D, b: Body3D, k: float) -> Body3D:
    """The body ``k`` (0..1) of the way from ``a`` to ``b`` (positions, axes and joint angles)."""

    def mix(p: tuple[float, ...], q: tuple[float, ...]) -> tuple[float, ...]:
        return tuple(x + k * (y - x) for x, y in zip(p, q))

    def mix_leg(p: Leg, q: Leg) -> Leg:
        return Leg(*mix(dataclasses.astuple(p), dataclasses.astuple(q)))

    def mix_arm(p: Arm, q: Arm) -> Arm:
        return Arm(*mix(dataclasses.astuple(p), dataclasses.astuple(q)))

    return Body3D(
        hip=mix(a.hip, b.hip),  # type: ignore[arg-type]
        up=tuple(unit(mix(a.up, b.up))),  # type: ignore[arg-type]
        left=tuple(unit(mix(a.left, b.left))),  # type: ignore[arg-type]
        legs=(mix_leg(a.legs[0], b.legs[0]), mix_leg(a.legs[1], b.legs[1])),
        arms=(mix_arm(a.arms[0], b.arms[0]), mix_arm(a.arms[1], b.arms[1])),
        neck_flex=a.neck_flex + k * (b.neck_flex - a.neck_flex),
    )


Frame3D = tuple[np.ndarray, np.ndarray, np.ndarray]  # xy (33, 2), z (33,), visibility (33,)
BodyStep = tuple[float, Body3D, Body3D]  # seconds, body at the start, body at the end


def body_session(
    steps: list[BodyStep], fps: float = 15.0, *, yaw: float = 0.0, raised: float = 10.0
) -> list[Frame3D]:
    """Frames of a scripted session filmed by one camera (see :func:`film`): each step eases from
    its first body to its second."""
    frames: list[Frame3D] = []
    for seconds, a, b in steps:
        n = max(1, round(seconds * fps))
        for i in range(n):
            k = 0.5 - 0.5 * math.cos(math.pi * i / (n - 1)) if n > 1 else 1.0
            frames.append(film(blend_bodies(a, b, k), yaw=yaw, raised=raised))
    return frames


# ----- Postures for the 3D figures (the camera at the room's +z side sees the person's right side
# when they face +x or lie with the head toward -x) --------------------------------------------------
HIP_ON_FLOOR = 0.2  # hip joints above the floor lying on the back or sitting on it (about 10 cm)
ANKLE_ON_FLOOR = 0.1  # an ankle resting on the floor (heel on the floor)


def foot_down(thigh_rise: float, hip_height: float = HIP_ON_FLOOR) -> float:
    """Knee flexion that puts the foot on the floor when the thigh rises ``thigh_rise`` degrees from
    the floor (the shin goes back toward the buttocks)."""
    drop = hip_height + THIGH * math.sin(math.radians(thigh_rise)) - ANKLE_ON_FLOOR
    return thigh_rise + math.degrees(math.asin(max(-1.0, min(1.0, drop / SHIN))))


def lying_on_back(
    left: Leg | None = None,
    right: Leg | None = None,
    arms: tuple[Arm, Arm] = (Arm(), Arm()),
    neck_flex: float = 0.0,
) -> Body3D:
    """Lying on the back, the head toward -x; legs default to knees bent with the feet on the floor."""
    rest = Leg(50.0, foot_down(50.0))
    return Body3D((0.0, HIP_ON_FLOOR, 0.0), (-1.0, 0.0, 0.0), (0.0, 0.0, -1.0),
                  (left or rest, right or rest), arms, neck_flex)  # fmt: skip


def sitting_on_floor(
    lean: float, left: Leg | None = None, right: Leg | None = None, arms: tuple[Arm, Arm] | None = None
) -> Body3D:
    """Sitting on the floor facing +x, the torso ``lean`` degrees forward of vertical (negative =
    leaning back); legs default to straight along the floor, arms reaching toward the feet."""
    r = math.radians(lean)
    straight = leg_along_floor(lean)
    reach = Arm(90.0 + lean * 0.6, 15.0)
    return Body3D((0.0, HIP_ON_FLOOR, 0.0), (math.sin(r), math.cos(r), 0.0), (0.0, 0.0, -1.0),
                  (left or straight, right or straight), arms or (reach, reach), neck_flex=20.0)  # fmt: skip


def leg_along_floor(lean: float) -> Leg:
    """A straight leg lying along the floor in front of somebody sitting ``lean`` deg forward."""
    return Leg(90.0 + lean - 6.0, 0.0)  # the heel rests a little lower than the hip joint


def knee_up(lean: float, rise: float = 55.0) -> Leg:
    """Sitting: the knee bent up, the foot flat on the floor (the thigh ``rise`` deg above the floor)."""
    return Leg(90.0 + lean + rise, foot_down(rise))


def lying_on_side(
    bottom: Leg, top: Leg, *, toward_camera: bool = True, arms: tuple[Arm, Arm] | None = None
) -> Body3D:
    """Lying on the left side along x, the front toward the camera (+z) or away from it."""
    head = 1.0 if toward_camera else -1.0  # the head toward +x faces +z when lying on the left side
    hip_height = 0.25 + HIP_HALF  # the lower hip joint rests about 12 cm above the floor
    pillow = (Arm(175.0, 40.0), Arm(75.0, 20.0))  # lower arm under the head, upper hand on the floor
    return Body3D((0.0, hip_height, 0.0), (head, 0.0, 0.0), (0.0, -1.0, 0.0), (bottom, top), arms or pillow)


def clamshell(opening: float) -> tuple[Leg, Leg]:
    """(bottom, top) legs of a clamshell: hips 45 deg and knees 90 deg bent, feet together, the top
    knee opened ``opening`` degrees (an outward turn of the hip that keeps the feet touching)."""
    return Leg(45.0, 90.0), Leg(45.0, 90.0, abduct=opening - 10.0, rotate=1.3 * opening)


def pigeon(lean: float, front: str = "right") -> Body3D:
    """Pigeon pose facing +x: the front leg's shin across the floor in front of the hips, the back
    leg straight behind along the floor, the torso ``lean`` deg forward of vertical (0 upright, 60-80
    folded over the front shin with the forearms on the floor)."""
    r = math.radians(lean)
    front_leg = Leg(90.0 + lean, 100.0, abduct=20.0, rotate=80.0)
    back_leg = Leg(-(90.0 - lean) + 10.0, 0.0)
    legs = (back_leg, front_leg) if front == "right" else (front_leg, back_leg)
    hands = Arm(30.0 + 1.2 * lean, 10.0 + lean)  # hands by the hips, then forearms on the floor
    return Body3D((0.0, 0.25, 0.0), (math.sin(r), math.cos(r), 0.0), (0.0, 0.0, -1.0), legs, (hands, hands))


def half_kneeling_body(push: float, kneel: str = "left", lean_back: float = 0.0) -> Body3D:
    """Half-kneeling hip flexor stretch facing +x: the kneeling knee on the floor, the front foot
    flat ahead of it; ``push`` (degrees) tips the kneeling thigh forward as the hips go forward (the
    front foot stays put; its knee follows), the torso ``lean_back`` deg behind vertical."""
    knee = np.array([0.0, ANKLE_ON_FLOOR])  # the kneeling knee on the floor (x, y)
    p = math.radians(push)
    hip = knee + THIGH * np.array([math.sin(p), math.cos(p)])
    foot = np.array([0.8, ANKLE_ON_FLOOR + 0.05])  # the front foot, a thigh length ahead
    # The front knee: the two-link chain hip -> knee -> foot, the knee bending forward and up.
    d = foot - hip
    dist = float(np.linalg.norm(d))
    along = (THIGH**2 - SHIN**2 + dist**2) / (2 * dist)
    rise = math.sqrt(max(THIGH**2 - along**2, 0.0))
    normal = np.array([d[1], -d[0]]) / dist
    if normal[1] < 0:
        normal = -normal
    front_knee = hip + d / dist * along + normal * rise
    r = math.radians(-lean_back)
    up = np.array([math.sin(r), math.cos(r)])

    def flex(direction: np.ndarray) -> float:  # the angle from -up toward the front (+x turned by r)
        front = np.array([up[1], -up[0]])
        return math.degrees(math.atan2(float(np.dot(direction, front)), float(np.dot(direction, -up))))

    thigh_f = (front_knee - hip) / THIGH
    shin_f = (foot - front_knee) / SHIN
    knee_f = math.degrees(
        math.atan2(thigh_f[0] * shin_f[1] - thigh_f[1] * shin_f[0], float(np.dot(thigh_f, shin_f)))
    )
    kneeling = Leg(flex((knee - hip) / THIGH), 90.0 - push)  # the shin stays on the floor behind
    forward = Leg(flex(thigh_f), abs(knee_f))
    legs = (kneeling, forward) if kneel == "left" else (forward, kneeling)
    hands_on_hips = Arm(-10.0, 100.0, abduct=25.0)
    return Body3D(
        (hip[0], hip[1], 0.0), (up[0], up[1], 0.0), (0.0, 0.0, -1.0), legs, (hands_on_hips, hands_on_hips)
    )


def hold_body(body: Body3D, seconds: float) -> BodyStep:
    """A step that keeps ``body`` still."""
    return (seconds, body, body)
