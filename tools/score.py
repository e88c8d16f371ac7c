"""Score saved tracks with a rule file and print counts, sides, holds and cues next to the labels.

usage: python tools/score.py RULES.toml TRACK.npz [TRACK.npz ...]
Labels come from ../shared/videos/labels.json when present (matched by file name).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from posecheck.coach.loader import load_rules
from posecheck.coach.session import score_track
from posecheck.track import Track

LABELS = Path(__file__).resolve().parents[1].parent / "shared" / "videos" / "labels.json"


def main() -> None:
    """Run the tool with the command-line arguments."""
    rules = load_rules(sys.argv[1])
    labels = json.loads(LABELS.read_text()) if LABELS.exists() else {}
    by_stem = {Path(k).stem: v for k, v in labels.items()}
    for path in sys.argv[2:]:
        s = score_track(rules, Track.load(path)).summary
        lab = by_stem.get(Path(path).stem, {})
        want = f"label={lab.get('rep_count')} {lab.get('rep_count_by_side', '')}" if lab else "label=?"
        reps = [(r.side, round(r.start_s, 2), round(r.end_s, 2), list(r.faults)) for r in s.rep_events]
        holds = [(h.side, round(h.start_s, 1), round(h.seconds, 1)) for h in s.holds]
        print(f"{Path(path).stem[:48]:<48} reps={s.reps_total} L={s.reps_left} R={s.reps_right} | {want}")
        print(f"    reps {reps}\n    holds {holds}\n    cues {sorted({c.id for c in s.cues})}")


if __name__ == "__main__":
    main()
