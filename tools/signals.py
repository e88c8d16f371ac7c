"""Print metric values over time for a saved track (a development aid for writing rule files).

usage: python tools/signals.py TRACK.npz STEP_S RULES.toml [METRIC ...]
Prints time, detected posture, near side, view and the rule file's metrics every STEP_S seconds.
"""

from __future__ import annotations

import sys

from posecheck.coach.engine import wanted_postures
from posecheck.coach.loader import load_rules
from posecheck.coach.session import prepare_track
from posecheck.metrics import compute_all
from posecheck.track import Track


def main() -> None:
    """Run the tool with the command-line arguments."""
    track = Track.load(sys.argv[1])
    step = float(sys.argv[2])
    rules = load_rules(sys.argv[3])
    wanted = set(sys.argv[4:])
    prepared = prepare_track(track, rules.filter, wanted_postures(rules))
    xy, near, z = prepared.stacked()
    values = compute_all(rules.metric_defs(), xy, near, z)
    names = [n for n in values if not wanted or n.split(".")[0] in wanted]
    next_t = prepared.frames[0].t if prepared.frames else 0.0
    for i, f in enumerate(prepared.frames):
        if f.t + 1e-9 < next_t:
            continue
        next_t += step
        cells = " ".join(f"{n}={values[n][i]:.2f}" for n in names)
        print(f"{f.t:6.2f} {f.posture[:9]:<9} near={'L' if f.near_is_left else 'R'} {f.view[:5]:<5} {cells}")


if __name__ == "__main__":
    main()
