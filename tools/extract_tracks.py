"""Regenerate sample_videos/tracks from the labelled footage (runs the pose model on every clip).

usage: python tools/extract_tracks.py [--videos ../shared/videos] [--force]
Takes about 10 minutes on one core. Tracks are landmarks computed by posecheck, never footage.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from posecheck.extract import extract_track

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    """Run the tool with the command-line arguments."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", default=str(REPO.parent / "shared" / "videos"))
    parser.add_argument("--force", action="store_true", help="re-extract tracks that exist")
    args = parser.parse_args()
    videos = Path(args.videos)
    labels = json.loads((videos / "labels.json").read_text())
    out = REPO / "sample_videos" / "tracks"
    for clip in sorted(labels):
        target = out / Path(clip).with_suffix(".npz")
        if target.exists() and not args.force:
            continue
        start = time.perf_counter()
        track = extract_track(videos / clip)
        track.save(target)
        ms = (time.perf_counter() - start) * 1000 / max(1, len(track))
        people = np.bincount(track.people, minlength=3).tolist()
        print(
            f"{clip}: {len(track)} frames, {ms:.1f} ms/frame, frames with 0/1/2 people {people}", flush=True
        )


if __name__ == "__main__":
    main()
