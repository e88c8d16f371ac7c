"""How counts hold up when the camera is not square to the person's side (a probe, not a test).

No labelled clip is filmed from an oblique angle, so this makes one from each committed track:
MediaPipe's world landmarks (metres, around the hips) are turned about the picture's vertical axis,
as if the camera had moved round the person by DEG, and put back into pixels with the scale and
offset that map the frame's own world landmarks onto its pixels (plus each landmark's residual):
:func:`posecheck.variants.orbit`, which ``posecheck eval`` uses for its orbit+20 and orbit-20.
Visibility is kept as it was, and the world landmarks' depth is the model's guess, so the figures
are indicative: they show which rules lean on a square side view, not what a real camera would give.

    .venv/bin/python tools/oblique_probe.py 20 -20 35 -35
"""

from __future__ import annotations

import sys
from pathlib import Path

from posecheck import evaluate as ev
from posecheck.variants import orbit, same_labels

REPO = Path(__file__).resolve().parents[1]


def main(degrees: list[float]) -> None:
    """Print the eval summary and every clip counted differently, per camera angle."""
    names = []
    for d in degrees:
        name = f"orbit{d:+.0f}"
        ev.TRACK_VARIANTS[name] = same_labels(orbit(d))
        names.append(name)
    report = ev.evaluate(
        REPO / "sample_videos" / "labels.json", REPO / "sample_videos" / "tracks", tuple(names)
    )
    for key, s in report["summary"].items():
        if "exact_share" in s and s["clips"]:
            print(
                f"{key:<22} exact {s['exact_share']:.0%}  side right {s['side_right_share']:.0%}  "
                f"holds within 1.5 s {s['holds_within_1_5s_share']:.0%}"
            )
    for c in report["clips"]:
        if c["reps"] != c["label_reps"]:
            print(f"  {c['variant']:<9} {c['clip']}: {c['label_reps']} labelled, {c['reps']} counted")


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or [20.0, -20.0, 35.0, -35.0])
