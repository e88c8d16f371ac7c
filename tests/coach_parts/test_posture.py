"""PostureGate: the steady posture, the posture cue in setup, and leaving the posture."""

import pytest

from posecheck.coach.posture import POSTURE_SETTLE_S, WRONG_SETUP_S, PostureGate


@pytest.fixture
def parts(make_parts, make_rules):
    return make_parts(make_rules(posture={"also_allowed": ["sitting"], "leave_s": 1.0}))


def posture_cue_raised(parts) -> bool:
    """Whether the gate has the posture cue on the board (said or not: how often is the board's call)."""
    return parts.board.shown_since("posture") is not None


def feed(gate: PostureGate, posture: str, times: list[float]) -> None:
    for t in times:
        gate.update(t, posture)


def test_a_posture_becomes_steady_after_the_settle_time(parts, ticks) -> None:
    gate = parts.gate
    feed(gate, "supine", ticks(0.0, 0.25))
    assert gate.stable == "unknown"
    gate.update(POSTURE_SETTLE_S, "supine")
    assert gate.stable == "supine"
    assert gate.ok


def test_a_one_frame_flicker_does_not_change_the_steady_posture(parts, ticks) -> None:
    gate = parts.gate
    feed(gate, "supine", ticks(0.0, 1.0))
    gate.update(1.125, "standing")
    feed(gate, "supine", ticks(1.25, 2.0))
    assert gate.stable == "supine"
    feed(gate, "standing", ticks(2.125, 2.5))
    assert gate.stable == "standing"


def test_also_allowed_postures_are_ok(parts, ticks) -> None:
    feed(parts.gate, "sitting", ticks(0.0, 0.5))
    assert parts.gate.ok
    feed(parts.gate, "prone", ticks(0.625, 1.25))
    assert not parts.gate.ok


def test_the_posture_cue_comes_only_after_the_wrong_setup_time(parts, ticks) -> None:
    gate = parts.gate
    feed(gate, "standing", ticks(0.0, 0.5))  # steady from 0.375
    assert not gate.settled_in_setup(0.5, someone_in_view=True)
    assert not gate.settled_in_setup(0.5 + WRONG_SETUP_S - 0.125, someone_in_view=True)
    assert not posture_cue_raised(parts)
    assert not gate.settled_in_setup(0.5 + WRONG_SETUP_S, someone_in_view=True)
    assert parts.board.shown_since("posture") == 0.5 + WRONG_SETUP_S


def test_no_clear_posture_is_pointed_out_only_when_someone_is_in_view(parts) -> None:
    gate = parts.gate  # never saw a steady posture
    for t in (0.0, 2.0, 4.0):
        gate.settled_in_setup(t, someone_in_view=False)
    assert not posture_cue_raised(parts)
    for t in (5.0, 6.0):
        gate.settled_in_setup(t, someone_in_view=True)
    assert posture_cue_raised(parts)


def test_settling_in_the_right_posture_clears_the_cue_and_starts_ok_since(parts, ticks) -> None:
    gate, board = parts.gate, parts.board
    gate.settled_in_setup(0.5, someone_in_view=True)
    gate.settled_in_setup(1.5, someone_in_view=True)
    assert board.current(1.5).id == "posture"
    feed(gate, "supine", ticks(1.5, 2.0))
    assert gate.settled_in_setup(2.0, someone_in_view=True)
    assert gate.settled_in_setup(2.5, someone_in_view=True)
    assert gate.ok_since == 2.0
    assert board.current(2.5) is None


def test_a_wrong_posture_seen_from_time_zero_is_pointed_out_after_the_wrong_setup_time(parts) -> None:
    gate = parts.gate
    gate.settled_in_setup(0.0, someone_in_view=True)
    gate.settled_in_setup(0.5, someone_in_view=True)
    gate.settled_in_setup(WRONG_SETUP_S, someone_in_view=True)
    assert posture_cue_raised(parts)


def test_left_only_after_leave_s_of_another_steady_posture(parts, ticks) -> None:
    gate = parts.gate
    feed(gate, "supine", ticks(0.0, 1.0))
    assert not gate.left(1.0)
    feed(gate, "standing", ticks(1.125, 1.5))  # steady standing from 1.5
    assert not gate.left(1.5)
    assert not gate.left(2.375)
    assert gate.left(2.5)  # leave_s = 1.0


def test_unclear_readings_never_end_a_set(parts, ticks) -> None:
    gate = parts.gate
    assert not gate.left(0.0)  # nothing steady yet
    feed(gate, "supine", ticks(0.0, 1.0))
    for t in ticks(1.125, 6.0):
        gate.update(t, "unknown")
        assert not gate.left(t)
    assert gate.stable == "supine"
