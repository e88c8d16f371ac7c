"""Coach overlay on video frames: skeleton, a status panel and the current cue.

Everything is drawn in place on the RGB frame with OpenCV; only the two small
translucent boxes (panel and cue band) are blended, never the whole frame, so
the overlay stays cheap enough for live video.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import cv2
import numpy as np

from posecheck.coach.feedback import Feedback
from posecheck.landmarks import NAMES, SKELETON

Color = tuple[int, int, int]  # RGB, because frames are RGB everywhere in posecheck

FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE: Color = (255, 255, 255)
DIM: Color = (200, 200, 200)
BLACK: Color = (0, 0, 0)
PANEL_BG: Color = (20, 24, 32)
SEVERITY_COLORS: dict[str, Color] = {
    "info": (120, 230, 130),
    "warn": (255, 190, 40),
    "fault": (255, 70, 60),
}
LEFT_COLOR: Color = (255, 150, 60)
RIGHT_COLOR: Color = (70, 190, 255)
CENTRE_COLOR: Color = (235, 235, 235)
BAR_EMPTY: Color = (90, 90, 90)
BAR_DONE: Color = SEVERITY_COLORS["info"]
BAR_PROGRESS: Color = SEVERITY_COLORS["warn"]
PANEL_ALPHA = 0.6
NO_PERSON_TEXT = "No person in view"
# Hershey fonts only know ASCII; these common typographic characters get a close ASCII twin.
_ASCII_TWINS = str.maketrans(
    {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "×": "x", "·": "-"}
)


def _bone_groups() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Bones split by body side so each side keeps one colour and is one polylines call.
    left, right, centre = [], [], []
    for a, b in SKELETON:
        na, nb = NAMES[a], NAMES[b]
        if na.startswith("left_") and nb.startswith("left_"):
            left.append((a, b))
        elif na.startswith("right_") and nb.startswith("right_"):
            right.append((a, b))
        else:
            centre.append((a, b))
    return (np.array(left, np.intp), np.array(right, np.intp), np.array(centre, np.intp))


_LEFT_BONES, _RIGHT_BONES, _CENTRE_BONES = _bone_groups()
_JOINTS = np.array(sorted({i for bone in SKELETON for i in bone}), np.intp)
_JOINT_COLORS: tuple[Color, ...] = tuple(
    LEFT_COLOR
    if NAMES[i].startswith("left_")
    else RIGHT_COLOR
    if NAMES[i].startswith("right_")
    else CENTRE_COLOR
    for i in _JOINTS
)


@dataclass(frozen=True)
class _Scale:
    """Sizes derived from the frame so the overlay reads the same at 360p and 4K."""

    unit: float  # 1.0 for a frame whose short side is 720 px
    margin: int
    line: int
    joint: int
    text: float
    text_big: float
    cue: float

    @staticmethod
    def of(height: int, width: int) -> _Scale:
        # Short side drives the size (portrait and landscape look alike); the floor keeps
        # text legible on thumbnails where a strict proportion would make it a smudge.
        unit = max(min(height, width), 300) / 720.0
        return _Scale(
            unit=unit,
            margin=max(4, round(14 * unit)),
            line=max(1, round(3 * unit)),
            joint=max(2, round(4 * unit)),
            text=0.75 * unit,
            text_big=1.05 * unit,
            cue=1.25 * unit,
        )


def _ascii(text: str) -> str:
    # Keeps '°': _put_text draws it by hand.
    text = text.translate(_ASCII_TWINS)
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch.isascii() or ch == "°":
            out.append(ch)
        else:
            out.append(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or "?")
    return "".join(out)


def _text_width(text: str, scale: float, thickness: int) -> int:
    # The degree sign is drawn as a small ring about as wide as a narrow letter.
    parts = text.split("°")
    width = sum(cv2.getTextSize(p, FONT, scale, thickness)[0][0] for p in parts if p)
    return width + (len(parts) - 1) * _degree_advance(scale)


def _degree_advance(scale: float) -> int:
    return max(3, round(10 * scale))


def _text_height(scale: float, thickness: int) -> int:
    (_, h), base = cv2.getTextSize("Ag", FONT, scale, thickness)
    return h + base


def _put_text(
    image: np.ndarray, text: str, org: tuple[int, int], scale: float, color: Color, thick: int
) -> None:
    """Draw ``text`` with its baseline at ``org``, drawing any '°' as a small ring."""
    x, y = org
    cap = cv2.getTextSize("0", FONT, scale, thick)[0][1]
    for i, part in enumerate(text.split("°")):
        if i:
            r = max(1, round(3 * scale))
            cv2.circle(image, (x + r + 1, y - cap + r), r, color, max(1, thick // 2), cv2.LINE_AA)
            x += _degree_advance(scale)
        if part:
            cv2.putText(image, part, (x, y), FONT, scale, color, thick, cv2.LINE_AA)
            x += cv2.getTextSize(part, FONT, scale, thick)[0][0]


def _blend_box(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, color: Color, alpha: float) -> None:
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = image[y0:y1, x0:x1]
    # Scale then add a per-channel scalar: filling a tint image with numpy broadcasting
    # costs ~1 ms per box at 1080p, this costs a tenth of that.
    out = cv2.addWeighted(roi, 1.0 - alpha, roi, 0.0, 0.0)
    # A 4-element float64 array is OpenCV's per-channel scalar (a tuple works too, but not for the stubs).
    cv2.add(out, np.array([c * alpha for c in color] + [0.0]), dst=out)
    roi[:] = out


def _wrap(text: str, scale: float, thick: int, max_width: int) -> list[str]:
    """Greedy word wrap measured with the real font."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and _text_width(candidate, scale, thick) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _draw_skeleton(image: np.ndarray, landmarks: np.ndarray | None, sc: _Scale) -> None:
    """Bones and joints of trusted landmarks; a bone needs both ends finite."""
    if landmarks is None or landmarks.shape != (len(NAMES), 2):
        return
    pts = np.asarray(landmarks, dtype=np.float64)
    ok = np.isfinite(pts).all(axis=1)
    if not ok.any():
        return
    h, w = image.shape[:2]
    # Clamp wild values so int conversion cannot overflow; OpenCV clips the rest.
    ipts = np.rint(np.clip(np.where(ok[:, None], pts, 0.0), -4 * max(h, w), 5 * max(h, w))).astype(np.int32)
    for bones, color in (
        (_CENTRE_BONES, CENTRE_COLOR),
        (_LEFT_BONES, LEFT_COLOR),
        (_RIGHT_BONES, RIGHT_COLOR),
    ):
        keep = bones[ok[bones[:, 0]] & ok[bones[:, 1]]]
        if len(keep):
            segments = list(ipts[keep])  # each (2, 2): a two-point polyline
            cv2.polylines(image, segments, False, color, sc.line, cv2.LINE_AA)
    outline = max(1, sc.line // 2)
    for idx, color in zip(_JOINTS, _JOINT_COLORS, strict=True):
        if ok[idx]:
            center = (int(ipts[idx, 0]), int(ipts[idx, 1]))
            cv2.circle(image, center, sc.joint + outline, BLACK, -1, cv2.LINE_AA)
            cv2.circle(image, center, sc.joint, color, -1, cv2.LINE_AA)


def _format_value(value: float) -> str:
    if not math.isfinite(value):
        return "--"
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.2g}"


def _panel_rows(
    fb: Feedback, key_label: str, key_unit: str, reps_label: str, has_sides: bool
) -> tuple[list[str], int]:
    """Panel text lines and the index of the hold line (-1 when there is none)."""
    reps = f"{reps_label} {fb.reps_total}"
    if has_sides:
        reps += f"   L {fb.reps_left}  R {fb.reps_right}"
    rows = [reps]
    if fb.uncounted > 0:  # movements seen but not counted: the report says why
        rows.append(f"Not counted {fb.uncounted}")
    label = key_label or fb.key_metric.replace("_", " ")
    if label:
        value = _format_value(fb.key_value)
        rows.append(f"{label} {value}{key_unit if value != '--' else ''}")
    hold_row = -1
    if fb.hold_target_s:
        hold_row = len(rows)
        rows.append(f"Hold {fb.hold_s:.1f} / {fb.hold_target_s:.0f} s")
    elif fb.hold_s > 0:
        rows.append(f"Hold {fb.hold_s:.1f} s")
    rows.append(f"{fb.state or fb.phase} | {fb.posture}")
    return [_ascii(r) for r in rows], hold_row


def _draw_panel(image: np.ndarray, fb: Feedback, rows: list[str], hold_row: int, sc: _Scale) -> None:
    w = image.shape[1]
    pad = sc.margin
    scales = [sc.text_big] + [sc.text] * (len(rows) - 1)  # the rep count reads first
    thick = [max(1, round(2 * sc.unit))] + [max(1, round(1.5 * sc.unit))] * (len(rows) - 1)
    widths = [_text_width(r, s, t) for r, s, t in zip(rows, scales, thick, strict=True)]
    avail = w - 2 * sc.margin - 2 * pad
    if max(widths) > avail > 0:
        shrink = avail / max(widths)
        scales = [s * shrink for s in scales]
        widths = [_text_width(r, s, t) for r, s, t in zip(rows, scales, thick, strict=True)]
    heights = [_text_height(s, t) for s, t in zip(scales, thick, strict=True)]
    gap = max(2, round(6 * sc.unit))
    bar_h = max(3, round(10 * sc.unit)) if hold_row >= 0 else 0
    inner_w = max(widths)
    panel_h = pad * 2 + sum(heights) + gap * (len(rows) - 1) + (bar_h + gap if bar_h else 0)
    x0, y0 = sc.margin, sc.margin
    _blend_box(image, x0, y0, x0 + inner_w + 2 * pad, y0 + panel_h, PANEL_BG, PANEL_ALPHA)
    y = y0 + pad
    for i, (row, s, t, hh) in enumerate(zip(rows, scales, thick, heights, strict=True)):
        baseline = y + hh - cv2.getTextSize("Ag", FONT, s, t)[1]
        _put_text(image, row, (x0 + pad, baseline), s, WHITE if i == 0 else DIM, t)
        y += hh + gap
        if i == hold_row:
            _draw_bar(image, x0 + pad, y, inner_w, bar_h, fb.hold_s / float(fb.hold_target_s or 1.0))
            y += bar_h + gap


def _draw_bar(image: np.ndarray, x: int, y: int, width: int, height: int, fraction: float) -> None:
    fraction = min(max(fraction if math.isfinite(fraction) else 0.0, 0.0), 1.0)
    cv2.rectangle(image, (x, y), (x + width, y + height), BAR_EMPTY, -1)
    if fraction > 0:
        color = BAR_DONE if fraction >= 1.0 else BAR_PROGRESS
        cv2.rectangle(image, (x, y), (x + max(1, round(width * fraction)), y + height), color, -1)


def _draw_messages(image: np.ndarray, messages: list[tuple[str, Color]], sc: _Scale) -> None:
    """Big centred lines at the bottom on a translucent band, last message lowest."""
    h, w = image.shape[:2]
    thick = max(1, round(2.5 * sc.unit))
    max_w = w - 4 * sc.margin
    scale = sc.cue
    lines: list[tuple[str, Color]] = []
    for text, color in messages:
        lines += [(line, color) for line in _wrap(_ascii(text), scale, thick, max_w)]
    if not lines:
        return
    widest = max(_text_width(line, scale, thick) for line, _ in lines)
    if widest > max_w > 0:  # a single long word: shrink rather than clip
        scale *= max_w / widest
        widest = max(_text_width(line, scale, thick) for line, _ in lines)
    line_h = _text_height(scale, thick)
    gap = max(2, round(6 * sc.unit))
    band_h = len(lines) * line_h + (len(lines) - 1) * gap + 2 * sc.margin
    y0 = h - sc.margin - band_h
    _blend_box(
        image, (w - widest) // 2 - sc.margin, y0, (w + widest) // 2 + sc.margin, y0 + band_h, BLACK, 0.55
    )
    descent = cv2.getTextSize("Ag", FONT, scale, thick)[1]
    y = y0 + sc.margin
    for line, color in lines:
        x = (w - _text_width(line, scale, thick)) // 2
        _put_text(image, line, (x, y + line_h - descent), scale, color, thick)
        y += line_h + gap


def _writable(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8 and image.ndim == 3 and image.flags.writeable and image.flags.c_contiguous:
        return image
    return np.array(image, dtype=np.uint8, order="C", copy=True)


def draw_feedback(
    image: np.ndarray,
    fb: Feedback,
    *,
    key_label: str = "",
    key_unit: str = "°",
    reps_label: str = "Reps",
    has_sides: bool,
) -> np.ndarray:
    """Draw the coach overlay for one frame and return the drawn frame.

    Draws **in place** on ``image`` (RGB uint8, H x W x 3) and returns that same
    array; only a read-only or non-contiguous input is copied first, and then the
    copy is returned. ``key_label`` names the key metric (default: ``fb.key_metric``),
    ``key_unit`` follows its value, ``reps_label`` heads the counter and
    ``has_sides`` adds the left/right counts.
    """
    out = _writable(image)
    h, w = out.shape[:2]
    sc = _Scale.of(h, w)
    if fb.person_found:
        _draw_skeleton(out, fb.landmarks, sc)
    rows, hold_row = _panel_rows(fb, key_label, key_unit, reps_label, has_sides)
    _draw_panel(out, fb, rows, hold_row, sc)
    messages: list[tuple[str, Color]] = []
    if not fb.person_found:
        messages.append((NO_PERSON_TEXT, SEVERITY_COLORS["warn"]))
    if fb.cue is not None and fb.cue.text and fb.cue.text != NO_PERSON_TEXT:
        messages.insert(0, (fb.cue.text, SEVERITY_COLORS.get(fb.cue.severity, WHITE)))
    _draw_messages(out, messages, sc)
    return out
