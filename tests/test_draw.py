from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from posecheck import draw
from posecheck.coach.feedback import Cue, Feedback
from posecheck.landmarks import INDEX

GREY = 100

# A standing figure in normalised image coordinates (x right, y down).
BODY = {
    "nose": (0.50, 0.15),
    "left_ear": (0.53, 0.14),
    "right_ear": (0.47, 0.14),
    "left_shoulder": (0.58, 0.28),
    "right_shoulder": (0.42, 0.28),
    "left_elbow": (0.62, 0.40),
    "right_elbow": (0.38, 0.40),
    "left_wrist": (0.63, 0.52),
    "right_wrist": (0.37, 0.52),
    "left_hip": (0.55, 0.52),
    "right_hip": (0.45, 0.52),
    "left_knee": (0.56, 0.66),
    "right_knee": (0.44, 0.66),
    "left_ankle": (0.56, 0.76),
    "right_ankle": (0.44, 0.76),
    "left_heel": (0.55, 0.78),
    "right_heel": (0.45, 0.78),
    "left_foot_index": (0.60, 0.79),
    "right_foot_index": (0.40, 0.79),
}


def body(h: int, w: int) -> np.ndarray:
    lm = np.full((33, 2), np.nan)
    for name, (x, y) in BODY.items():
        lm[INDEX[name]] = (x * w, y * h)
    return lm


def feedback(h: int = 720, w: int = 1280, **kw: Any) -> Feedback:
    base: dict[str, Any] = {
        "t": 1.0,
        "person_found": True,
        "posture": "standing",
        "view": "front",
        "phase": "moving",
        "reps_total": 5,
        "reps_left": 3,
        "reps_right": 2,
        "hold_s": 0.0,
        "hold_target_s": None,
        "side": "left",
        "cue": Cue("hips_level", "Keep your hips level", "warn", 1.0),
        "key_metric": "hip_line",
        "key_value": 163.4,
        "landmarks": body(h, w),
    }
    base.update(kw)
    return Feedback(**base)


def frame(h: int = 720, w: int = 1280) -> np.ndarray:
    return np.full((h, w, 3), GREY, np.uint8)


def bone_midpoint(lm: np.ndarray, a: str, b: str) -> tuple[int, int]:
    x, y = (lm[INDEX[a]] + lm[INDEX[b]]) / 2
    return round(y), round(x)


def changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return np.any(before != after, axis=2)


def test_draws_in_place_and_returns_same_array() -> None:
    img = frame()
    out = draw.draw_feedback(img, feedback(), has_sides=True)
    assert out is img
    assert changed(frame(), img).any()


def test_read_only_input_is_copied_and_left_alone() -> None:
    img = frame()
    img.flags.writeable = False
    out = draw.draw_feedback(img, feedback(), has_sides=True)
    assert out is not img
    assert (img == GREY).all()
    assert changed(img, out).any()


def test_skeleton_marks_bones_and_leaves_far_pixels_alone() -> None:
    h, w = 720, 1280
    fb = feedback(h, w)
    with_skeleton = draw.draw_feedback(frame(h, w), fb, has_sides=True)
    without = draw.draw_feedback(frame(h, w), feedback(h, w, landmarks=None), has_sides=True)
    assert fb.landmarks is not None
    for a, b in [("left_hip", "left_knee"), ("right_shoulder", "right_elbow"), ("left_hip", "right_hip")]:
        y, x = bone_midpoint(fb.landmarks, a, b)
        assert (with_skeleton[y, x] != GREY).any(), f"bone {a}-{b} not drawn"
        assert (without[y, x] == GREY).all()
    # Right edge, mid height: nothing (panel top-left, cue bottom centre, body centre) reaches it.
    far = with_skeleton[h // 3 : 2 * h // 3, w - 60 :]
    assert (far == GREY).all()
    # The skeleton is the only difference between the two drawings, and it stays near the body.
    diff_cols = np.nonzero(changed(without, with_skeleton).any(axis=0))[0]
    assert diff_cols.min() > 0.3 * w and diff_cols.max() < 0.7 * w


def test_left_and_right_bones_have_their_own_colours() -> None:
    fb = feedback()
    img = draw.draw_feedback(frame(), fb, has_sides=True)
    assert fb.landmarks is not None
    y, x = bone_midpoint(fb.landmarks, "left_knee", "left_ankle")
    assert tuple(img[y, x]) == draw.LEFT_COLOR
    y, x = bone_midpoint(fb.landmarks, "right_knee", "right_ankle")
    assert tuple(img[y, x]) == draw.RIGHT_COLOR


def test_bones_with_an_untrusted_end_are_skipped() -> None:
    lm = body(720, 1280)
    lm[INDEX["left_knee"]] = np.nan
    img = draw.draw_feedback(frame(), feedback(landmarks=lm), has_sides=True)
    full = body(720, 1280)
    y, x = bone_midpoint(full, "left_hip", "left_knee")
    assert (img[y, x] == GREY).all()
    y, x = bone_midpoint(full, "right_hip", "right_knee")
    assert (img[y, x] != GREY).any()


@pytest.mark.parametrize(
    "landmarks",
    [
        np.full((33, 2), np.nan),
        np.full((33, 2), np.inf),
        np.full((33, 2), -1e12),
        np.full((33, 2), 1e12),
        np.zeros((33, 2)),
        np.zeros((17, 2)),  # wrong shape: ignored
        None,
    ],
    ids=["all-nan", "inf", "huge-negative", "huge", "zeros", "wrong-shape", "none"],
)
def test_odd_landmarks_do_not_crash(landmarks: np.ndarray | None) -> None:
    img = draw.draw_feedback(frame(), feedback(landmarks=landmarks), has_sides=False)
    assert img.shape == (720, 1280, 3) and img.dtype == np.uint8


@pytest.mark.parametrize(
    ("h", "w"),
    [(360, 202), (202, 360), (1920, 1080), (1080, 1920), (2160, 3840)],
    ids=["tiny-portrait", "tiny-landscape", "portrait-1080", "landscape-1080", "4k"],
)
def test_any_frame_size_gets_panel_cue_and_skeleton(h: int, w: int) -> None:
    fb = feedback(h, w, cue=Cue("c", "Slow down and keep your back straight please", "fault", 1.0))
    img = draw.draw_feedback(frame(h, w), fb, key_label="hip line", has_sides=True)
    assert img.shape == (h, w, 3)
    # Panel: a darkened box in the top-left corner.
    m = max(4, round(14 * max(min(h, w), 300) / 720))
    assert (img[m + 1, m + 1] < GREY).all()
    # Cue: red text in the bottom third, and nowhere in the top half.
    red = np.all(img == draw.SEVERITY_COLORS["fault"], axis=2)
    assert red[2 * h // 3 :].any()
    assert not red[: h // 2].any()
    # Text stays inside the frame: the outermost columns are untouched at mid height.
    assert (img[h // 3 : h // 2, [0, w - 1]] == GREY).all()
    assert fb.landmarks is not None
    y, x = bone_midpoint(fb.landmarks, "left_hip", "left_knee")
    assert (img[y, x] != GREY).any()


def test_text_size_grows_with_the_frame() -> None:
    def panel_width(h: int, w: int) -> int:
        img = draw.draw_feedback(np.full((h, w, 3), 255, np.uint8), feedback(h, w), has_sides=True)
        row = img[max(4, round(14 * max(min(h, w), 300) / 720)) + 1]
        return int(np.count_nonzero((row < 255).any(axis=1)))

    assert panel_width(360, 640) < panel_width(1080, 1920) < panel_width(2160, 3840)
    # Orientation does not change the size: it follows the short side.
    assert panel_width(1080, 1920) == panel_width(1920, 1080)


def test_sides_add_left_right_counts_to_the_panel() -> None:
    def dark_columns(has_sides: bool) -> int:
        img = draw.draw_feedback(np.full((720, 1280, 3), 255, np.uint8), feedback(), has_sides=has_sides)
        return int(np.count_nonzero((img[16] < 255).any(axis=1)))

    assert dark_columns(True) > dark_columns(False)


@pytest.mark.parametrize("severity", ["info", "warn", "fault"])
def test_cue_colour_follows_severity(severity: str) -> None:
    fb = feedback(cue=Cue("x", "Breathe out as you lift", severity, 1.0), landmarks=None)  # type: ignore[arg-type]
    img = draw.draw_feedback(frame(), fb, has_sides=False)
    colour = draw.SEVERITY_COLORS[severity]
    hits = np.all(img == colour, axis=2)
    assert hits[600:].sum() > 200
    others = [c for s, c in draw.SEVERITY_COLORS.items() if s != severity and c != draw.BAR_DONE]
    for other in others:
        assert not np.all(img[600:] == other, axis=2).any()


def test_no_person_message_replaces_skeleton() -> None:
    fb = feedback(person_found=False, cue=None)
    img = draw.draw_feedback(frame(), fb, has_sides=False)
    amber = np.all(img == draw.SEVERITY_COLORS["warn"], axis=2)
    assert amber[600:].sum() > 200
    assert fb.landmarks is not None
    y, x = bone_midpoint(fb.landmarks, "left_hip", "left_knee")
    assert (img[y, x] == GREY).all()


def test_no_cue_and_person_found_draws_no_band() -> None:
    img = draw.draw_feedback(frame(), feedback(cue=None, landmarks=None), has_sides=False)
    assert (img[650:] == GREY).all()


@pytest.mark.parametrize(
    ("hold_s", "target", "bar_colour"),
    [(10.0, 30.0, draw.BAR_PROGRESS), (31.0, 30.0, draw.BAR_DONE)],
    ids=["in-progress", "reached"],
)
def test_hold_progress_bar(hold_s: float, target: float, bar_colour: tuple[int, int, int]) -> None:
    fb = feedback(hold_s=hold_s, hold_target_s=target, cue=None, landmarks=None)
    img = draw.draw_feedback(frame(), fb, has_sides=True)
    bar = np.all(img[:300, :600] == bar_colour, axis=2)
    assert bar.sum() > 100
    if hold_s < target:
        assert np.all(img[:300, :600] == draw.BAR_EMPTY, axis=2).sum() > 100


def test_no_bar_without_hold_target() -> None:
    img = draw.draw_feedback(frame(), feedback(hold_s=4.0, cue=None, landmarks=None), has_sides=True)
    assert not np.all(img == draw.BAR_EMPTY, axis=2).any()


@pytest.mark.parametrize(
    "text",
    ["Knees at 90° – don’t lock them…", "Ünïcödé ✓ ok", "a" * 200, "", "    "],
    ids=["degree-and-typography", "non-ascii", "one-long-word", "empty", "blank"],
)
def test_awkward_cue_text(text: str) -> None:
    fb = feedback(cue=Cue("x", text, "info", 1.0), key_value=float("nan"))
    img = draw.draw_feedback(frame(360, 202), fb, has_sides=True)
    assert img.shape == (360, 202, 3)


def test_missing_key_metric_shows_no_value_line() -> None:
    a = draw.draw_feedback(frame(), feedback(key_metric="", cue=None, landmarks=None), has_sides=False)
    b = draw.draw_feedback(frame(), feedback(cue=None, landmarks=None), has_sides=False)
    # The panel of b has one more line, so it is taller.
    assert np.count_nonzero((b[:, 20] != GREY).any(axis=1)) > np.count_nonzero((a[:, 20] != GREY).any(axis=1))


def test_non_contiguous_input_is_copied() -> None:
    big = frame(720, 2560)
    view = big[:, ::2]  # every other column: not contiguous
    out = draw.draw_feedback(view, feedback(720, 1280), has_sides=True)
    assert out is not view and out.flags.c_contiguous
    assert (big == GREY).all()
    assert changed(frame(720, 1280), out).any()


def test_annotated_frame_scales_landmarks_from_the_video_size_to_the_drawn_size() -> None:
    from posecheck.analyze import ANNOTATED_LONG_SIDE, _for_drawing

    fb = feedback(1920, 1080)
    small = np.zeros((ANNOTATED_LONG_SIDE, ANNOTATED_LONG_SIDE * 9 // 16, 3), np.uint8)  # decoded shrunk
    image, drawn = _for_drawing(small, fb, (1080, 1920))
    assert image is small
    assert fb.landmarks is not None and drawn.landmarks is not None
    np.testing.assert_allclose(drawn.landmarks, np.asarray(fb.landmarks) * ANNOTATED_LONG_SIDE / 1920)
    big = np.zeros((1920, 1080, 3), np.uint8)  # a still: shrunk here
    image, drawn = _for_drawing(big, fb, (1080, 1920))
    assert max(image.shape[:2]) == ANNOTATED_LONG_SIDE
    np.testing.assert_allclose(drawn.landmarks, np.asarray(fb.landmarks) * ANNOTATED_LONG_SIDE / 1920, atol=1)


def test_uncounted_reps_add_a_row_to_the_panel() -> None:
    def panel_rows(uncounted: int) -> int:
        img = draw.draw_feedback(
            frame(), feedback(uncounted=uncounted, cue=None, landmarks=None), has_sides=True
        )
        return int(np.count_nonzero((img[:, 20] != GREY).any(axis=1)))

    assert panel_rows(1) > panel_rows(0)
    rows, hold_row = draw._panel_rows(feedback(uncounted=2, hold_target_s=30.0), "", "°", "Reps", True)
    assert rows[:2] == ["Reps 5   L 3  R 2", "Not counted 2"]
    assert rows[hold_row].startswith("Hold ")  # the hold bar stays under its own row
    rows, _ = draw._panel_rows(feedback(), "", "°", "Reps", True)
    assert not any(r.startswith("Not counted") for r in rows)
