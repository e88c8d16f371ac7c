import math

import numpy as np
import pytest

from posecheck.landmarks import INDEX
from posecheck.metrics import MetricDef, compute_metric, known_point


def figure(**points: tuple[float, float]) -> np.ndarray:
    xy = np.full((33, 2), np.nan)
    for name, p in points.items():
        xy[INDEX[name]] = p
    return xy


RIGHT_ANGLE = figure(right_shoulder=(0, 0), right_hip=(100, 0), right_knee=(100, -100))


@pytest.mark.parametrize(
    ("metric", "xy", "expected"),
    [
        (MetricDef("a", "angle", ("shoulder", "hip", "knee"), "right"), RIGHT_ANGLE, 90.0),
        (MetricDef("i", "inclination", ("hip", "knee"), "right"), RIGHT_ANGLE, 90.0),
        (MetricDef("i", "inclination", ("shoulder", "hip"), "right"), RIGHT_ANGLE, 0.0),
        (MetricDef("b", "between", ("shoulder", "hip", "hip", "knee"), "right"), RIGHT_ANGLE, 90.0),
        # knee is 100 px above the hip (image y down); unit = shoulder-hip length (100)
        (MetricDef("h", "height", ("knee", "hip"), "right", ("shoulder", "hip")), RIGHT_ANGLE, 1.0),
        (
            MetricDef("d", "distance", ("shoulder", "knee"), "right", ("shoulder", "hip")),
            RIGHT_ANGLE,
            math.sqrt(2),
        ),
        # hip sits 50 px above the shoulder-knee line of length 200 -> +0.25
        (
            MetricDef("o", "offset", ("hip", "shoulder", "knee"), "right"),
            figure(right_shoulder=(0, 0), right_hip=(100, -50), right_knee=(200, 0)),
            0.25,
        ),
        (
            MetricDef("o", "offset", ("hip", "shoulder", "knee"), "right"),
            figure(right_shoulder=(200, 0), right_hip=(100, -50), right_knee=(0, 0)),
            0.25,
        ),
    ],
)
def test_metric_kinds(metric: MetricDef, xy: np.ndarray, expected: float) -> None:
    value = compute_metric(metric, xy, near_is_left=False)[metric.name]
    assert float(value) == pytest.approx(expected, abs=1e-6)


def test_aspect_correct_pixels_not_normalised() -> None:
    # A 45-degree segment in pixels stays 45 degrees whatever the frame shape.
    xy = figure(left_hip=(0, 0), left_knee=(300, -300))
    m = MetricDef("i", "inclination", ("hip", "knee"), "left")
    assert float(compute_metric(m, xy, True)["i"]) == pytest.approx(45.0)


def test_near_falls_back_to_far_side_when_near_is_unseen() -> None:
    xy = figure(left_shoulder=(0, 0), left_hip=(100, 0), left_knee=(200, 0))
    m = MetricDef("a", "angle", ("shoulder", "hip", "knee"), "near")
    # Near is the right side, which is missing: use the left one.
    assert float(compute_metric(m, xy, near_is_left=False)["a"]) == pytest.approx(180.0)


def test_each_gives_both_sides_and_other_prefix_crosses_over() -> None:
    xy = figure(left_ankle=(0, 0), right_knee=(30, 40), right_ankle=(500, 500), left_knee=(500, 460))
    m = MetricDef("x", "distance", ("ankle", "other:knee"), "each")
    out = compute_metric(m, xy, True)
    assert float(out["x.left"]) == pytest.approx(50.0)
    assert float(out["x.right"]) == pytest.approx(40.0)


def test_missing_landmarks_give_nan_not_errors() -> None:
    m = MetricDef("a", "angle", ("shoulder", "hip", "knee"), "near")
    assert math.isnan(float(compute_metric(m, np.full((33, 2), np.nan), True)["a"]))


def test_vectorised_over_frames_matches_single_frames() -> None:
    rng = np.random.default_rng(0)
    frames = rng.uniform(0, 500, size=(20, 33, 2))
    near = rng.uniform(size=20) > 0.5
    m = MetricDef("a", "angle", ("shoulder", "hip", "knee"), "near")
    batch = compute_metric(m, frames, near)["a"]
    single = [float(compute_metric(m, frames[i], bool(near[i]))["a"]) for i in range(20)]
    np.testing.assert_allclose(batch, single)


@pytest.mark.parametrize(
    ("point", "ok"),
    [("hip", True), ("other:knee", True), ("mid:shoulder", True), ("nose", True), ("mid:nose", False),
     ("hipp", False), ("left:hip", False)],
)  # fmt: skip
def test_known_point(point: str, ok: bool) -> None:
    assert known_point(point) is ok


def all_metric_defs() -> list[MetricDef]:
    """Every metric of the shipped rule files, plus 'far' and 'mid' variants of each."""
    from dataclasses import replace
    from pathlib import Path

    from posecheck.coach.loader import load_exercise

    rules = Path(__file__).resolve().parents[1] / "rules"
    defs = [m for p in sorted(rules.glob("*.toml")) for m in load_exercise(p.stem).metric_defs()]
    extra = [replace(m, name=f"{m.name}_{side}", side=side) for m in defs for side in ("far", "mid")]
    return defs + extra


def test_one_frame_equals_batch_for_every_rule_metric() -> None:
    # The live path computes one frame at a time, near side first; tuning computes whole tracks.
    from posecheck.metrics import compute_all

    rng = np.random.default_rng(1)
    frames = rng.uniform(0, 800, size=(60, 33, 2))
    frames[rng.uniform(size=(60, 33)) < 0.3] = np.nan  # whole landmarks missing, near or far
    z = rng.normal(0, 0.3, size=(60, 33))
    near = rng.uniform(size=60) > 0.5
    defs = all_metric_defs()
    batch = compute_all(defs, frames, near, z)
    for i in range(len(frames)):
        single = compute_all(defs, frames[i], bool(near[i]), z[i])
        assert single.keys() == batch.keys()
        for name, value in single.items():
            np.testing.assert_array_equal(value, batch[name][i], err_msg=f"{name} frame {i}")


HIP_SLIDE = MetricDef("s", "along", ("hip", "ankle", "shoulder", "hip"), "right", ("shoulder", "hip"))


@pytest.mark.parametrize("angle", [0.0, 90.0, 180.0, 33.0])
def test_along_measures_along_the_body_whichever_way_it_lies(angle: float) -> None:
    # Lying with the head left, right, up or tilted in the picture: the ankle 60 px toward the
    # feet and 30 px off the body's line reads 0.6 torso lengths; a 6 px slide of the hip toward
    # the head (a pelvic tilt on a 100 px torso) reads +0.06 more, the sideways part never.
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def at(u: float, v: float) -> tuple[float, float]:
        return (500 + u * c - v * s, 500 + u * s + v * c)

    still = figure(right_shoulder=at(0, 0), right_hip=at(100, 0), right_ankle=at(160, 30))
    tilted = figure(right_shoulder=at(0, 0), right_hip=at(94, 0), right_ankle=at(160, 30))
    before = float(compute_metric(HIP_SLIDE, still, near_is_left=False)["s"])
    after = float(compute_metric(HIP_SLIDE, tilted, near_is_left=False)["s"])
    assert before == pytest.approx(0.6, abs=1e-9)
    assert after - before == pytest.approx(66 / 94 - 0.6, abs=1e-9)  # the torso shortened too


def test_along_is_nan_where_a_point_is_unseen() -> None:
    xy = figure(right_shoulder=(0, 0), right_hip=(100, 0))
    assert math.isnan(float(compute_metric(HIP_SLIDE, xy, near_is_left=False)["s"]))
