"""Property-based tests: whatever the pose model or the clock produces, nothing crashes or goes negative.

Landmarks are random, NaN, infinite, huge and out of frame; visibility and depth likewise;
people come and go; timestamps repeat, go backwards, are NaN or infinite. Fed frame after
frame through the filters, the metrics and the coach of every rule file that loads.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from posecheck.coach.engine import Coach
from posecheck.coach.loader import load_exercise, load_rules
from posecheck.coach.schema import RuleSet
from posecheck.filters import OneEuroFilter, OneEuroSettings
from posecheck.metrics import compute_all

REPO = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 640, 480


def loadable_rules() -> list[RuleSet]:
    """bridge plus every other shipped rule file that loads (others may be work in progress)."""
    rules = [load_exercise("bridge")]
    for path in sorted((REPO / "rules").glob("*.toml")):
        if path.stem == "bridge":
            continue
        try:
            rules.append(load_rules(path))
        except Exception:  # a file someone is still writing is not what this test is about
            continue
    return rules


RULES = loadable_rules()

# Numbers a broken model or a corrupt track could hand us.
SPECIALS = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e30, -1e30, 1e-300, -1.0]
specials = st.sampled_from(SPECIALS)
coordinate = st.one_of(
    st.floats(-200, max(WIDTH, HEIGHT) + 200, allow_nan=False),  # in and around the frame
    st.floats(-1e6, 1e6, allow_nan=False),  # far out of frame
    specials,
)
unit = st.one_of(st.floats(-0.5, 1.5, allow_nan=False), specials)

# Whole arrays drawn element by element are slow to generate; ``fill`` draws one value for most
# elements and individual values for a few, which is where the interesting cases are anyway.
xy_arrays = hnp.arrays(np.float64, (33, 2), elements=coordinate, fill=coordinate)
values_33 = hnp.arrays(np.float64, (33,), elements=unit, fill=unit)


@st.composite
def plausible_person(draw: st.DrawFn) -> np.ndarray:
    """A jittered upright-ish body with holes, so the state machines get past setup sometimes."""
    base = np.array([[320.0, 100.0]] * 33)
    base[:, 1] += np.linspace(0, 300, 33)
    base[1::2, 0] += 40
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    out = base + rng.normal(0.0, draw(st.sampled_from([1.0, 20.0, 200.0])), (33, 2))
    for _ in range(draw(st.integers(0, 4))):  # a few broken landmarks
        out[draw(st.integers(0, 32)), draw(st.integers(0, 1))] = draw(specials)
    return out


@st.composite
def noisy_values(draw: st.DrawFn) -> np.ndarray:
    """Visibility or depth: mostly plausible, sometimes broken."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    out = rng.uniform(-0.2, 1.2, 33)
    for _ in range(draw(st.integers(0, 4))):
        out[draw(st.integers(0, 32))] = draw(specials)
    return out


frame_landmarks = st.one_of(st.none(), xy_arrays, plausible_person())
frame_values = st.one_of(values_33, noisy_values())

time_step = st.one_of(
    st.floats(0.001, 0.5),  # ordinary
    st.just(0.0),  # repeated timestamp
    st.floats(-2.0, -0.001),  # backwards
    st.floats(1.0, 100.0),  # a long gap
)


@st.composite
def timestamps(draw: st.DrawFn, n: int) -> list[float]:
    t, out = 0.0, []
    for _ in range(n):
        if draw(st.integers(0, 15)) == 0:
            out.append(draw(st.sampled_from([math.nan, math.inf, -math.inf, -1e9, 1e9])))
            continue
        t += draw(time_step)
        out.append(t)
    return out


@st.composite
def sessions(
    draw: st.DrawFn,
) -> tuple[list[float], list[tuple[np.ndarray | None, np.ndarray, np.ndarray, int]]]:
    n = draw(st.integers(1, 30))
    times = draw(timestamps(n))
    frames = []
    for _ in range(n):
        xy = draw(frame_landmarks)
        frames.append((xy, draw(frame_values), draw(frame_values), draw(st.integers(0, 3))))
    return times, frames


def finite_nonneg(x: float) -> bool:
    return not math.isnan(x) and x >= 0


# A few dozen sessions per run keep the suite quick (the coach costs ~2 ms a frame);
# POSECHECK_PROPERTY_EXAMPLES=2000 searches harder, e.g. before a release.
EXAMPLES = int(os.environ.get("POSECHECK_PROPERTY_EXAMPLES", "30"))
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
Session = tuple[list[float], list[tuple[np.ndarray | None, np.ndarray, np.ndarray, int]]]


def check_session(rules: RuleSet, session: Session) -> None:
    """Feed ``session`` to a new coach for ``rules``; every count and time must stay sane."""
    times, frames = session
    coach = Coach(rules, WIDTH, HEIGHT)
    last_t = -math.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NaN arithmetic is expected, crashes are not
        for t, (xy, z, visibility, people) in zip(times, frames, strict=True):
            fb = coach.update(t, xy, z, visibility, people if xy is not None else 0)
            assert isinstance(fb.reps_total, int) and fb.reps_total >= 0
            assert isinstance(fb.reps_left, int) and isinstance(fb.reps_right, int)
            assert fb.reps_left + fb.reps_right <= fb.reps_total
            assert finite_nonneg(fb.hold_s), fb.hold_s
            assert math.isfinite(fb.t) and fb.t >= last_t  # the coach's clock never runs backwards
            last_t = fb.t
        summary = coach.summary()
    assert summary.reps_total == len(summary.rep_events)
    assert finite_nonneg(summary.duration_s)
    assert summary.frames_total == len(times)
    assert 0 <= summary.frames_with_pose <= summary.frames_total
    for hold in summary.holds:
        assert finite_nonneg(hold.seconds), hold
        assert hold.end_s >= hold.start_s
    for rep in summary.rep_events:
        assert finite_nonneg(rep.hold_s), rep
        assert rep.end_s >= rep.start_s
        assert rep.peak is None or math.isfinite(rep.peak)


@PROPERTY_SETTINGS
@given(session=sessions())
def test_bridge_coach_survives_any_landmarks_and_clock(session: Session) -> None:
    check_session(load_exercise("bridge"), session)


@PROPERTY_SETTINGS
@given(rules=st.sampled_from(RULES), session=sessions())
def test_every_rule_set_survives_any_landmarks_and_clock(rules: RuleSet, session: Session) -> None:
    check_session(rules, session)


@PROPERTY_SETTINGS
@given(
    values=st.lists(hnp.arrays(np.float64, (33, 2), elements=coordinate), min_size=1, max_size=30),
    times=st.lists(st.one_of(st.floats(-10, 1e4), specials), min_size=30, max_size=30),
    min_cutoff=st.floats(0.01, 10),
    beta=st.floats(0, 100),
)
def test_one_euro_filter_never_crashes_and_keeps_missing_points_missing(
    values: list[np.ndarray], times: list[float], min_cutoff: float, beta: float
) -> None:
    f = OneEuroFilter(OneEuroSettings(min_cutoff=min_cutoff, beta=beta), scale=640.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for value, t in zip(values, times[: len(values)], strict=True):
            out = f(value, t)
            assert out.shape == value.shape
            assert np.all(np.isnan(out[np.isnan(value)]))


@PROPERTY_SETTINGS
@given(rules=st.sampled_from(RULES), xy=xy_arrays, z=values_33, near_is_left=st.booleans())
def test_metrics_never_crash(rules: RuleSet, xy: np.ndarray, z: np.ndarray, near_is_left: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        values = compute_all(rules.metric_defs(), xy, near_is_left, z)
    assert set(values) >= {m.name for m in rules.metrics if m.side != "each"}
    for v in values.values():
        assert np.shape(v) == ()


def test_a_nan_timestamp_does_not_change_the_near_side() -> None:
    at, bad = 5, math.nan  # minimal failing input: one NaN t after the first frame (inf is harmless)
    from tests.synthetic import Pose2D, supine_landmarks

    # Head on the image right, left side toward the camera: MediaPipe's labels agree.
    xy, z, vis = supine_landmarks(Pose2D(), head_left=False, near="left")
    coach = Coach(load_exercise("bridge"), 1280, 720)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for i in range(30):
            fb = coach.update(bad if i == at else i / 30, xy, z, vis, 1)
    assert fb.near_side == "left"
