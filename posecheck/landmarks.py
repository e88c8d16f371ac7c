"""MediaPipe pose landmark names and the left/right pairs used by rule files."""

from __future__ import annotations

NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)  # fmt: skip
INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}

# Body parts that exist on both sides, as rule files name them ("knee", not "left_knee").
PAIRED_PARTS: tuple[str, ...] = tuple(n[len("left_") :] for n in NAMES if n.startswith("left_"))
CENTRE_PARTS: tuple[str, ...] = ("nose",)

# Index permutation that swaps every left landmark with its right twin.
MIRROR: tuple[int, ...] = tuple(
    INDEX[n.replace("left_", "right_")] if n.startswith("left_")
    else INDEX[n.replace("right_", "left_")] if n.startswith("right_")
    else i
    for i, n in enumerate(NAMES)
)  # fmt: skip

# Bones drawn on the overlay.
SKELETON: tuple[tuple[int, int], ...] = tuple(
    (INDEX[a], INDEX[b])
    for a, b in [
        ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
        ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
        ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
        ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
        ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
        ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
        ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"), ("left_ankle", "left_foot_index"),
        ("right_ankle", "right_heel"), ("right_heel", "right_foot_index"),
        ("right_ankle", "right_foot_index"),
        ("left_ear", "nose"), ("right_ear", "nose"),
    ]
)  # fmt: skip


def side_index(part: str, side: str) -> int:
    """Landmark index of ``part`` on ``side`` ('left' or 'right'); 'nose' has no side."""
    if part in CENTRE_PARTS:
        return INDEX[part]
    return INDEX[f"{side}_{part}"]


# What the user is told when a body part cannot be seen.
PART_WORDS: dict[str, str] = {
    "shoulder": "shoulders",
    "elbow": "elbows",
    "wrist": "hands",
    "hip": "hips",
    "knee": "knees",
    "ankle": "feet",
    "heel": "feet",
    "foot_index": "feet",
    "ear": "head",
    "eye": "head",
    "nose": "head",
}
