"""Static positions within a hold: where the planted parts rest, and when they rest somewhere new."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.coach.feedback import HoldPosition
from posecheck.coach.loader import parse_rules, rules_dir
from posecheck.coach.positions import PositionTracker
from posecheck.errors import RuleError
from posecheck.landmarks import INDEX
from tests.synthetic import rules

FPS = 30.0
TORSO = 100.0  # pixels, shoulder-mid to hip-mid
WRISTS = [INDEX["left_wrist"], INDEX["right_wrist"]]


def frame(
    hands: tuple[float, float], jitter: float = 0.0, rng: np.random.Generator | None = None
) -> np.ndarray:
    """A folded child's pose: torso level, both wrists at ``hands`` (pixels) plus a little noise."""
    xy = np.full((33, 2), np.nan)
    for side in ("left", "right"):
        xy[INDEX[f"{side}_hip"]] = (400.0, 300.0)
        xy[INDEX[f"{side}_shoulder"]] = (400.0 - TORSO, 300.0)
        noise = rng.normal(0.0, jitter, 2) if rng is not None else np.zeros(2)
        xy[INDEX[f"{side}_wrist"]] = np.asarray(hands) + noise
    return xy


def run(
    path: list[tuple[float, float]], jitter: float = 0.0, seconds_per_point: float = 1 / FPS
) -> tuple[HoldPosition, ...]:
    """Feed one frame per point of ``path`` (hands' place) and close the hold at the end."""
    rng = np.random.default_rng(0)
    tracker = PositionTracker(WRISTS, moved=0.25, settle_s=1.0, start_t=0.0)
    t = 0.0
    for hands in path:
        tracker.update(t, frame(hands, jitter, rng), held_s=t)
        t += seconds_per_point
    return tracker.close(t - seconds_per_point, held_s=t - seconds_per_point)


def still(hands: tuple[float, float], seconds: float) -> list[tuple[float, float]]:
    return [hands] * round(seconds * FPS)


def walk(
    start: tuple[float, float], end: tuple[float, float], seconds: float, steps: int
) -> list[tuple[float, float]]:
    """Hands walked from ``start`` to ``end`` in ``steps`` equal steps, each a short rest."""
    out: list[tuple[float, float]] = []
    per_step = round(seconds * FPS / steps)
    for k in range(1, steps + 1):
        w = k / steps
        out += [(start[0] + w * (end[0] - start[0]), start[1] + w * (end[1] - start[1]))] * per_step
    return out


def test_hands_at_rest_the_whole_hold_are_one_position() -> None:
    (position,) = run(still((250.0, 380.0), 10.0), jitter=2.0)
    assert position.start_s == 0.0
    assert position.end_s == pytest.approx(10.0 - 1 / FPS)


def test_hands_walked_to_a_new_place_in_small_steps_start_a_new_position() -> None:
    # Each step (15 px = 0.15 torso) is below the threshold; the whole walk (60 px) is well above it.
    a, b = (250.0, 380.0), (250.0, 440.0)
    first, second = run(still(a, 5.0) + walk(a, b, 2.0, steps=4) + still(b, 5.0), jitter=1.0)
    # The first ends when the hands were last near it (the first step still is); the second
    # starts when they came to rest where they stayed (the last step).
    assert first.start_s == 0.0 and first.end_s == pytest.approx(5.5 - 1 / FPS)
    assert second.start_s == pytest.approx(6.5)
    assert second.end_s == pytest.approx(12.0 - 1 / FPS)
    assert second.seconds == pytest.approx(second.end_s - second.start_s)
    assert first.seconds == pytest.approx(first.end_s)


def test_wobble_and_a_hand_lifted_and_put_back_keep_one_position() -> None:
    a, away = (250.0, 380.0), (250.0, 440.0)
    # jitter of 4 px sd (0.04 torso, more than the labelled clips' planted wrists) and a 0.8 s reach
    (position,) = run(still(a, 4.0) + still(away, 0.8) + still(a, 4.0), jitter=4.0)
    assert position.start_s == 0.0 and position.end_s == pytest.approx(8.8 - 1 / FPS)


def test_a_position_starts_only_once_the_hands_are_at_rest() -> None:
    # The hold starts while the hands are still sliding forward into place.
    slide = [(300.0 - 4.0 * k, 380.0) for k in range(30)]
    (position,) = run(slide + still((180.0, 380.0), 5.0))
    assert position.start_s == pytest.approx(1.0, abs=0.1)


def test_planted_parts_never_seen_give_no_positions() -> None:
    tracker = PositionTracker(WRISTS, moved=0.25, settle_s=1.0, start_t=0.0)
    blind = frame((250.0, 380.0))
    blind[WRISTS] = np.nan
    for k in range(60):
        tracker.update(k / FPS, blind, held_s=k / FPS)
    assert tracker.close(2.0, 2.0) == ()


def test_closing_an_open_hold_changes_nothing() -> None:
    # A live session's summary closes the open hold on every call; the set goes on afterwards.
    tracker = PositionTracker(WRISTS, moved=0.25, settle_s=1.0, start_t=0.0)
    path = still((250.0, 380.0), 3.0) + still((250.0, 430.0), 3.0)
    for k, hands in enumerate(path):
        tracker.update(k / FPS, frame(hands), held_s=k / FPS)
        if k % 10 == 0:
            assert tracker.close(k / FPS, k / FPS) == tracker.close(k / FPS, k / FPS)
    first, second = tracker.close(6.0, 6.0)
    assert first.end_s == pytest.approx(3.0 - 1 / FPS) and second.start_s == pytest.approx(3.0)


def test_the_lower_back_stretch_tells_positions_apart_by_the_hands() -> None:
    positions = rules("lower_back_stretch").positions
    assert positions is not None and positions.planted == ["wrist"]
    # the other hold exercises hold a leg or rest the hands on it: their hands move within a hold
    for exercise in ("butt_stretch", "hip_stretch", "leg_stretch", "bird_dog", "deep_abdominal"):
        assert rules(exercise).positions is None


def test_a_misspelt_planted_part_is_a_one_line_error() -> None:
    text = (rules_dir() / "lower_back_stretch.toml").read_text(encoding="utf-8")
    text = text.replace('planted = ["wrist"]', 'planted = ["wirst"]')
    with pytest.raises(RuleError) as err:
        parse_rules(text, "lower_back_stretch.toml")
    message = str(err.value)
    assert "wirst" in message and "did you mean 'wrist'" in message and "\n" not in message
