"""Fingerprint every coach output on the committed tracks (a check for refactors of the coach).

For each committed track and each of the ten rule sets, every frame goes through ``Coach.update``
(the live path: preparation, replay of a turned camera, state machines) and through
``score_prepared`` (the offline path); every ``Feedback`` field and the final summary are hashed.
Two runs print the same lines exactly when the coach behaved the same on every frame.

    .venv/bin/python tools/coach_fingerprint.py > before.txt   # ...change the coach...
    .venv/bin/python tools/coach_fingerprint.py > after.txt && diff before.txt after.txt

``--ignore FIELD`` leaves a Feedback field out (one added since the "before" run); other
arguments keep only those rule sets.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import numpy as np

from posecheck.coach.engine import Coach
from posecheck.coach.feedback import Feedback
from posecheck.coach.loader import EXERCISES, load_exercise
from posecheck.coach.session import person_frames, score_track
from posecheck.track import Track

REPO = Path(__file__).resolve().parents[1]


def _canonical(value: Any) -> bytes:
    """Bytes that differ exactly when two output values differ (NaN equal to NaN)."""
    if isinstance(value, np.ndarray):
        return value.dtype.str.encode() + str(value.shape).encode() + np.ascontiguousarray(value).tobytes()
    if isinstance(value, dict):
        return b"{" + b",".join(_canonical(k) + b":" + _canonical(value[k]) for k in sorted(value)) + b"}"
    if isinstance(value, (list, tuple)):
        return b"[" + b",".join(_canonical(v) for v in value) + b"]"
    if isinstance(value, float):
        return float(value).hex().encode()
    return repr(value).encode()


IGNORED: set[str] = set()


def feedback_bytes(fb: Feedback) -> bytes:
    """Every field of one frame's feedback (but the ignored ones)."""
    return b"|".join(_canonical(getattr(fb, f.name)) for f in fields(fb) if f.name not in IGNORED)


def fingerprint(track: Track, exercise: str) -> tuple[str, str]:
    """Hashes of the live path's per-frame feedback and of the offline path's (feedback + summary)."""
    rules = load_exercise(exercise)
    live = hashlib.sha256()
    coach = Coach(rules, track.width, track.height)
    for i in range(len(track)):
        xy, z, vis, people = person_frames(track, i)
        live.update(feedback_bytes(coach.update(float(track.t[i]), xy, z, vis, people)))
    live.update(_canonical(asdict(coach.summary())))
    offline = hashlib.sha256()
    scored = score_track(rules, track, keep_feedback=True)
    for fb in scored.feedback or []:
        offline.update(feedback_bytes(fb))
    offline.update(_canonical(asdict(scored.summary)))
    return live.hexdigest()[:16], offline.hexdigest()[:16]


def main() -> None:
    """Print one line per (track, rule set)."""
    paths = sorted((REPO / "sample_videos" / "tracks").rglob("*.npz"))
    args = sys.argv[1:]
    while "--ignore" in args:
        at = args.index("--ignore")
        IGNORED.add(args[at + 1])
        del args[at : at + 2]
    only = set(args)
    for path in paths:
        track = Track.load(path)
        for exercise in EXERCISES:
            if only and exercise not in only:
                continue
            live, offline = fingerprint(track, exercise)
            print(f"{path.relative_to(REPO)} {exercise} live={live} offline={offline}", flush=True)


if __name__ == "__main__":
    main()
