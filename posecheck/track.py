"""A landmark track: what pose estimation saw in every frame of a recording.

Saved as a compressed ``.npz`` so that re-scoring and tuning never run the model
again. Coordinates are pixels of the display-oriented frame (not 0..1), so that
angles are aspect-correct whatever the frame shape.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from posecheck.errors import InputError

TRACK_FORMAT = 1
NUM_LANDMARKS = 33
MAX_PEOPLE = 2


@dataclass
class Track:
    """Landmarks of up to ``MAX_PEOPLE`` people per frame; NaN where nobody was found.

    Shapes: ``t`` (N,), ``xy`` (N, P, 33, 2) pixels, ``z`` (N, P, 33) (MediaPipe's
    relative depth, in the same scale as x pixels), ``visibility`` (N, P, 33),
    ``world`` (N, P, 33, 3) metres around the hips.
    """

    t: np.ndarray
    xy: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    width: int
    height: int
    fps: float
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @property
    def people(self) -> np.ndarray:
        """Number of people found in each frame."""
        return np.sum(~np.isnan(self.xy[:, :, 0, 0]), axis=1).astype(np.int8)

    @classmethod
    def empty(cls, width: int, height: int, fps: float, meta: dict[str, Any] | None = None) -> Track:
        """A track with no frames, to append to."""
        return cls(
            t=np.zeros(0),
            xy=np.zeros((0, MAX_PEOPLE, NUM_LANDMARKS, 2), np.float32),
            z=np.zeros((0, MAX_PEOPLE, NUM_LANDMARKS), np.float32),
            visibility=np.zeros((0, MAX_PEOPLE, NUM_LANDMARKS), np.float32),
            world=np.zeros((0, MAX_PEOPLE, NUM_LANDMARKS, 3), np.float32),
            width=width,
            height=height,
            fps=fps,
            meta=dict(meta or {}),
        )

    def save(self, path: str | Path) -> Path:
        """Write atomically (temporary file, then rename)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        meta = dict(self.meta, format=TRACK_FORMAT, width=self.width, height=self.height, fps=self.fps)
        # Hidden temporary name in the same folder (same file system: the rename is atomic).
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(
                    fh,
                    t=self.t.astype(np.float64),
                    xy=self.xy.astype(np.float32),
                    z=self.z.astype(np.float16),
                    visibility=self.visibility.astype(np.float16),
                    world=self.world.astype(np.float16),
                    meta=np.array(json.dumps(meta)),
                )
                fh.flush()
                os.fsync(fh.fileno())
            # mkstemp makes the file private; a track is meant to be shared like the other outputs.
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target

    @classmethod
    def load(cls, path: str | Path) -> Track:
        """Read a track written by :meth:`save`; clear error if it is not one."""
        p = Path(path)
        hint = f"make one with 'posecheck extract VIDEO --out {p.name}'"
        try:
            with np.load(p, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                arrays = {k: data[k] for k in ("t", "xy", "z", "visibility", "world")}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"{p} is not a posecheck landmark track ({reason}); {hint}") from None
        if not isinstance(meta, dict) or meta.get("format") != TRACK_FORMAT:
            version = meta.get("format") if isinstance(meta, dict) else None
            raise InputError(
                f"{p} is a track of format {version}, this posecheck reads format {TRACK_FORMAT}; "
                "extract it again with 'posecheck extract'"
            )
        n = arrays["t"].shape[0] if arrays["t"].ndim == 1 else -1
        shapes_ok = n >= 0 and all(
            arrays[k].shape[:1] == (n,) and arrays[k].shape[2:3] == (NUM_LANDMARKS,)
            for k in ("xy", "z", "visibility", "world")
        )
        try:
            width, height, fps = int(meta["width"]), int(meta["height"]), float(meta["fps"])
        except (KeyError, TypeError, ValueError):
            shapes_ok = False
        if not shapes_ok:
            raise InputError(f"{p} is a damaged landmark track (arrays or size do not fit together); {hint}")
        if not np.all(np.isfinite(arrays["t"])):
            # NaN times would poison the smoothing state of every later frame.
            raise InputError(f"{p} is a damaged landmark track (some frame times are not numbers); {hint}")
        return cls(
            t=arrays["t"].astype(np.float64),
            xy=arrays["xy"].astype(np.float32),
            z=arrays["z"].astype(np.float32),
            visibility=arrays["visibility"].astype(np.float32),
            world=arrays["world"].astype(np.float32),
            width=width,
            height=height,
            fps=fps,
            meta=meta,
        )


class TrackBuilder:
    """Collects per-frame detections into a :class:`Track` (amortised appends)."""

    def __init__(self, width: int, height: int, fps: float, meta: dict[str, Any] | None = None) -> None:
        self.width, self.height, self.fps = width, height, fps
        self.meta = dict(meta or {})
        self._t: list[float] = []
        self._xy: list[np.ndarray] = []
        self._z: list[np.ndarray] = []
        self._vis: list[np.ndarray] = []
        self._world: list[np.ndarray] = []

    def append(self, t: float, people: list[PersonLandmarks]) -> None:
        """Add one frame; extra people beyond ``MAX_PEOPLE`` are dropped."""
        xy = np.full((MAX_PEOPLE, NUM_LANDMARKS, 2), np.nan, np.float32)
        z = np.full((MAX_PEOPLE, NUM_LANDMARKS), np.nan, np.float32)
        vis = np.zeros((MAX_PEOPLE, NUM_LANDMARKS), np.float32)
        world = np.full((MAX_PEOPLE, NUM_LANDMARKS, 3), np.nan, np.float32)
        for i, person in enumerate(people[:MAX_PEOPLE]):
            xy[i], z[i], vis[i], world[i] = person.xy, person.z, person.visibility, person.world
        self._t.append(t)
        self._xy.append(xy)
        self._z.append(z)
        self._vis.append(vis)
        self._world.append(world)

    def build(self) -> Track:
        """The track of everything appended so far."""
        if not self._t:
            return Track.empty(self.width, self.height, self.fps, self.meta)
        return Track(
            t=np.asarray(self._t, np.float64),
            xy=np.stack(self._xy),
            z=np.stack(self._z),
            visibility=np.stack(self._vis),
            world=np.stack(self._world),
            width=self.width,
            height=self.height,
            fps=self.fps,
            meta=self.meta,
        )


@dataclass
class PersonLandmarks:
    """One person in one frame: pixel xy (33, 2), depth z (33,), visibility (33,), world (33, 3)."""

    xy: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
