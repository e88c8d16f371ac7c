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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

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
        meta = dict(self.meta, format=TRACK_FORMAT, width=self.width, height=self.height, fps=self.fps)
        arrays = {"t": self.t, "xy": self.xy, "z": self.z, "visibility": self.visibility, "world": self.world}
        columns = {name: (a.shape, iter([a])) for name, a in arrays.items()}
        return _write_track_file(Path(path), columns, meta)

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


# How each column is stored on disk: depth, visibility and world positions need no more than
# half precision (their noise is far above float16's 3 significant digits); pixels keep float32.
_STORED_DTYPES: dict[str, Any] = {
    "t": np.float64,
    "xy": np.float32,
    "z": np.float16,
    "visibility": np.float16,
    "world": np.float16,
}
_FRAME_SHAPES: dict[str, tuple[int, ...]] = {
    "t": (),
    "xy": (MAX_PEOPLE, NUM_LANDMARKS, 2),
    "z": (MAX_PEOPLE, NUM_LANDMARKS),
    "visibility": (MAX_PEOPLE, NUM_LANDMARKS),
    "world": (MAX_PEOPLE, NUM_LANDMARKS, 3),
}
_MEMORY_DTYPES: dict[str, Any] = {"t": np.float64, "xy": np.float32, "z": np.float32,
                                  "visibility": np.float32, "world": np.float32}  # fmt: skip
Columns = dict[str, tuple[tuple[int, ...], Iterator[np.ndarray]]]


def _write_track_file(target: Path, columns: Columns, meta: dict[str, Any]) -> Path:
    """Write a track ``.npz`` atomically, each column from an iterator of chunks.

    Written member by member and chunk by chunk, so saving a long recording never
    needs the whole track in memory at once. Readable by ``np.load`` like any ``.npz``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    # Hidden temporary name in the same folder (same file system: the rename is atomic).
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, (shape, chunks) in columns.items():
                    dtype = np.dtype(_STORED_DTYPES[name])
                    with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                        header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
                                  "shape": tuple(shape)}  # fmt: skip
                        np.lib.format.write_array_header_1_0(member, header)
                        for chunk in chunks:
                            member.write(np.ascontiguousarray(chunk, dtype=dtype).tobytes())
                with archive.open("meta.npy", "w") as member:
                    np.lib.format.write_array(member, np.array(json.dumps(meta)))
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file private; a track is meant to be shared like the other outputs.
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


class TrackBuilder:
    """Collects per-frame detections into a :class:`Track` or straight into a track file.

    Frames fill a preallocated block of ``chunk_frames``. With ``spool=True`` full
    blocks go to an anonymous temporary file (gone when the builder is, even after a
    crash), so memory stays flat however long the recording; :meth:`save` then
    streams them into the ``.npz``. Without a spool, blocks stay in memory.
    ``people`` slots are kept per frame (the track still has ``MAX_PEOPLE``, the others
    unseen), and ``compact`` keeps depth, visibility and world positions at the file's half
    precision: a live set's track holds the tracked person only, at 602 bytes a frame.
    """

    def __init__(
        self,
        width: int,
        height: int,
        fps: float,
        meta: dict[str, Any] | None = None,
        *,
        spool: bool = False,
        chunk_frames: int = 1024,
        people: int = MAX_PEOPLE,
        compact: bool = False,
    ) -> None:
        self.width, self.height, self.fps = width, height, fps
        self.meta = dict(meta or {})
        self.chunk_frames = chunk_frames
        self._people = max(1, min(people, MAX_PEOPLE))
        self._dtypes = _STORED_DTYPES if compact else _MEMORY_DTYPES
        # Every column but the time has the person slots first.
        self._shapes = {
            name: (self._people, *shape[1:]) if shape else shape for name, shape in _FRAME_SHAPES.items()
        }
        self._block = self._new_block()
        self._filled = 0
        self._blocks: list[dict[str, np.ndarray]] = []  # full blocks kept in memory (no spool)
        # The spool lives as long as the builder, so no context manager (closed in close()).
        self._spool: IO[bytes] | None = (
            tempfile.TemporaryFile(prefix="posecheck-track-") if spool else None  # noqa: SIM115
        )
        self._spooled: list[int] = []  # offsets of the blocks written to the spool
        self.frames = 0

    def _new_block(self) -> dict[str, np.ndarray]:
        n = self.chunk_frames
        return {
            name: np.full((n, *shape), 0.0 if name == "visibility" else np.nan, self._dtypes[name])
            for name, shape in self._shapes.items()
        }

    @property
    def nbytes(self) -> int:
        """Memory held by the frames' blocks (a spool's are on disk)."""
        return sum(a.nbytes for block in [*self._blocks, self._block] for a in block.values())

    def append(self, t: float, people: list[PersonLandmarks]) -> None:
        """Add one frame; people beyond the builder's ``people`` slots are dropped."""
        block, i = self._block, self._filled
        block["t"][i] = t
        for k, person in enumerate(people[: self._people]):
            block["xy"][i, k] = person.xy
            block["z"][i, k] = person.z
            block["visibility"][i, k] = person.visibility
            block["world"][i, k] = person.world
        self._filled += 1
        self.frames += 1
        if self._filled == self.chunk_frames:
            self._store(block)
            self._block, self._filled = self._new_block(), 0

    def _store(self, block: dict[str, np.ndarray]) -> None:
        if self._spool is None:
            self._blocks.append(block)
            return
        self._spooled.append(self._spool.seek(0, os.SEEK_END))
        for name in self._shapes:
            self._spool.write(block[name].tobytes())

    def _frame_bytes(self, name: str) -> int:
        return int(np.prod(self._shapes[name], dtype=np.int64)) * np.dtype(self._dtypes[name]).itemsize

    def _chunks(self, name: str) -> Iterator[np.ndarray]:
        """Column ``name`` block by block, in frame order (spooled blocks read back one at a time),
        with ``MAX_PEOPLE`` person slots as a track has."""
        for chunk in self._kept_chunks(name):
            if name == "t" or self._people == MAX_PEOPLE:
                yield chunk
                continue
            missing = (len(chunk), MAX_PEOPLE - self._people, *chunk.shape[2:])
            unseen = np.full(missing, 0.0 if name == "visibility" else np.nan, chunk.dtype)
            yield np.concatenate([chunk, unseen], axis=1)

    def _kept_chunks(self, name: str) -> Iterator[np.ndarray]:
        yield from (block[name] for block in self._blocks)
        if self._spool is not None:
            n = self.chunk_frames
            names = list(self._shapes)
            skip = n * sum(self._frame_bytes(k) for k in names[: names.index(name)])
            for offset in self._spooled:
                self._spool.seek(offset + skip)
                raw = self._spool.read(n * self._frame_bytes(name))
                yield np.frombuffer(raw, self._dtypes[name]).reshape(n, *self._shapes[name])
        yield self._block[name][: self._filled]

    def build(self) -> Track:
        """The track of everything appended so far (in memory)."""
        columns = {name: np.concatenate(list(self._chunks(name))) for name in _FRAME_SHAPES}
        # A compact builder keeps half precision; a Track is float32 (no copy when it already is).
        c = {
            name: columns[name].astype(np.float32, copy=False) for name in ("xy", "z", "visibility", "world")
        }
        return Track(
            t=columns["t"], xy=c["xy"], z=c["z"], visibility=c["visibility"], world=c["world"],
            width=self.width, height=self.height, fps=self.fps, meta=self.meta,
        )  # fmt: skip

    def save(self, path: str | Path) -> Path:
        """Write the track file without gathering the track in memory."""
        meta = dict(self.meta, format=TRACK_FORMAT, width=self.width, height=self.height, fps=self.fps)
        columns = {name: ((self.frames, *shape), self._chunks(name)) for name, shape in _FRAME_SHAPES.items()}
        return _write_track_file(Path(path), columns, meta)

    def close(self) -> None:
        """Drop the spool file (also done when the builder is garbage collected)."""
        if self._spool is not None:
            self._spool.close()


@dataclass
class PersonLandmarks:
    """One person in one frame: pixel xy (33, 2), depth z (33,), visibility (33,), world (33, 3)."""

    xy: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
