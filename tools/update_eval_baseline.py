"""Refresh sample_videos/eval_baseline.json from `posecheck eval --tracks` (after a real improvement)."""

from __future__ import annotations

import json
from pathlib import Path

from posecheck.evaluate import evaluate

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    """Measure and write the baseline the golden tests compare against."""
    d = evaluate(REPO / "sample_videos" / "labels.json", REPO / "sample_videos" / "tracks")
    base = {
        "summary": d["summary"],
        "clips": {
            f"{c['clip']}|{c['variant']}": {
                "count_error": abs(c["reps"] - c["label_reps"]),
                "sided_right": c["sided_right"],
                "hold_errors": [round(e, 2) for e in c["hold_errors"]],
            }
            for c in d["clips"]
        },
        "negatives_fired": sorted(
            f"{n['rules']}|{n['clip']}" for n in d["negatives"] if n["reps"] or n["holds"]
        ),
    }
    out = REPO / "sample_videos" / "eval_baseline.json"
    out.write_text(json.dumps(base, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
