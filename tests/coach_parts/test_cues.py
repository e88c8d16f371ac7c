"""CueBoard: what is said, how often, and which cue is on screen."""

from posecheck.coach.cues import CUE_REPEAT_S, CUE_SHOW_S, SETUP_REMIND_S, CueBoard


def test_a_cue_repeated_within_the_repeat_time_is_said_once_but_stays_on_screen() -> None:
    board = CueBoard()
    board.say(0.0, "slow", "Slow down.", "warn")
    board.say(CUE_REPEAT_S - 0.5, "slow", "Slow down.", "warn")
    assert [c.t for c in board.log] == [0.0]
    current = board.current(CUE_REPEAT_S)
    assert current is not None
    assert (current.id, current.t) == ("slow", CUE_REPEAT_S - 0.5)  # refreshed, so still shown


def test_a_cue_is_said_again_after_the_repeat_time() -> None:
    board = CueBoard()
    board.say(0.0, "slow", "Slow down.", "warn")
    board.say(CUE_REPEAT_S, "slow", "Slow down.", "warn")
    assert [c.t for c in board.log] == [0.0, CUE_REPEAT_S]


def test_current_prefers_no_person_then_faults_then_info() -> None:
    board = CueBoard()
    board.say(1.0, "tip", "Breathe out.", "info")
    board.say(1.0, "hips_low", "Lift higher.", "fault")
    assert board.current(1.0).id == "hips_low"
    board.say(1.0, "no_person", "I can't see you.", "warn")
    assert board.current(1.0).id == "no_person"


def test_among_equals_the_newest_cue_is_shown() -> None:
    board = CueBoard()
    board.say(1.0, "tip_a", "A.", "info")
    board.say(1.5, "tip_b", "B.", "info")
    assert board.current(1.6).id == "tip_b"
    board.say(1.7, "tip_a", "A.", "info")
    assert board.current(1.8).id == "tip_a"


def test_a_cue_leaves_the_screen_after_the_show_time() -> None:
    board = CueBoard()
    board.say(2.0, "tip", "Breathe out.", "info")
    assert board.current(2.0 + CUE_SHOW_S) is not None
    assert board.current(2.0 + CUE_SHOW_S + 0.01) is None


def test_clear_takes_a_cue_off_the_screen() -> None:
    board = CueBoard()
    board.say(0.0, "tip", "Breathe out.", "info")
    board.clear("tip")
    assert board.current(0.0) is None
    assert board.shown_since("tip") is None
    assert len(board.log) == 1  # what was said stays said


def test_warn_once_keeps_one_copy_of_each_note() -> None:
    board = CueBoard()
    board.warn_once("two people")
    board.warn_once("dark room")
    board.warn_once("two people")
    assert board.warnings == ["two people", "dark room"]


def test_begin_frame_empties_new_cues_without_touching_the_previous_list() -> None:
    board = CueBoard()
    board.say(0.0, "tip", "Breathe out.", "info")
    first = board.new_cues
    board.begin_frame()
    assert board.new_cues == []
    board.say(0.1, "slow", "Slow down.", "warn")
    assert [c.id for c in first] == ["tip"]
    assert [c.id for c in board.new_cues] == ["slow"]


# ----- the setup voice: setup cues are said by end_frame, one at a time ------------------------------
def setup_frames(board: CueBoard, start: float, stop: float, *cue_ids: str) -> None:
    """Frames every half second raising ``cue_ids``, as the setup checks and posture gate do."""
    t = start
    while t <= stop:
        board.begin_frame()
        for cue_id in cue_ids:
            board.say(t, cue_id, cue_id, "warn")
        board.end_frame(t)
        t += 0.5


def said(board: CueBoard) -> list[tuple[str, float]]:
    return [(c.id, c.t) for c in board.log]


def test_setup_cues_wait_for_end_frame_and_only_the_most_important_is_said() -> None:
    board = CueBoard()
    board.begin_frame()
    board.say(0.0, "view", "Turn side-on.", "info")
    board.say(0.0, "posture", "Lie down.", "warn")
    assert said(board) == []
    assert board.current(0.0).id == "posture"  # on screen at once
    board.end_frame(0.0)
    assert said(board) == [("posture", 0.0)]


def test_a_setup_problem_that_lasts_is_repeated_only_as_a_reminder() -> None:
    board = CueBoard()
    setup_frames(board, 0.0, SETUP_REMIND_S + 1, "posture", "view")
    assert said(board) == [("posture", 0.0), ("posture", SETUP_REMIND_S)]


def test_a_more_important_setup_problem_is_said_after_the_repeat_time() -> None:
    board = CueBoard()
    setup_frames(board, 0.0, 0.5, "posture")
    setup_frames(board, 1.0, 6.0, "posture", "no_person")
    assert said(board) == [("posture", 0.0), ("no_person", CUE_REPEAT_S)]


def test_a_new_setup_problem_is_said_after_the_repeat_time_once_the_last_is_over() -> None:
    board = CueBoard()
    setup_frames(board, 0.0, 2.0, "posture")
    setup_frames(board, 2.5, 6.0, "view")
    assert said(board) == [("posture", 0.0), ("view", CUE_REPEAT_S)]
