"""Track files: the builder in memory and spooled to disk, and saving without gathering the track."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posecheck.track import NUM_LANDMARKS, PersonLandmarks, Track, TrackBuilder


def person(seed: float) -> PersonLandmarks:
    """A person whose every value depends on ``seed`` (so misplaced frames are caught)."""
    base = np.arange(NUM_LANDMARKS, dtype=np.float32)
    return PersonLandmarks(
        xy=np.stack([base + seed, base * 2 + seed], axis=-1),
        z=base * 0.5 - seed,
        visibility=np.full(NUM_LANDMARKS, 0.25 + 0.5 * (seed % 1), np.float32),
        world=np.stack([base * 0.01, base * 0.02, np.full(NUM_LANDMARKS, seed * 0.001)], axis=-1),
    )


def fill(builder: TrackBuilder, frames: int) -> None:
    """Frames with nobody, one person and two people in turn."""
    for i in range(frames):
        people = [person(i + k * 0.5) for k in range(i % 3)]
        builder.append(i / 30.0, people)


def assert_same(a: Track, b: Track, exact: bool = True) -> None:
    np.testing.assert_array_equal(a.t, b.t)
    np.testing.assert_array_equal(a.xy, b.xy)
    for name in ("z", "visibility", "world"):
        if exact:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        else:  # stored as float16 on disk
            np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-3, atol=1e-3)
    assert (a.width, a.height, a.fps) == (b.width, b.height, b.fps)


@pytest.mark.parametrize("frames", [0, 1, 4, 5, 11])
def test_spooled_builder_builds_the_same_track_as_the_in_memory_one(frames: int) -> None:
    memory = TrackBuilder(640, 480, 30.0, chunk_frames=4)
    spooled = TrackBuilder(640, 480, 30.0, spool=True, chunk_frames=4)
    fill(memory, frames)
    fill(spooled, frames)
    built = memory.build()
    assert len(built) == frames
    assert_same(built, spooled.build())
    if frames:
        assert list(built.people) == [i % 3 for i in range(frames)]
        assert np.isnan(built.xy[0]).all() and (built.visibility[0] == 0).all()
    spooled.close()


@pytest.mark.parametrize("spool", [False, True])
def test_saving_streams_the_same_file_track_save_writes(tmp_path: Path, spool: bool) -> None:
    builder = TrackBuilder(720, 1280, 29.97, {"source": "clip.mp4"}, spool=spool, chunk_frames=4)
    fill(builder, 13)
    streamed = Track.load(builder.save(tmp_path / "streamed.npz"))
    whole = Track.load(builder.build().save(tmp_path / "whole.npz"))
    assert_same(streamed, whole)
    assert_same(streamed, builder.build(), exact=False)
    assert streamed.meta["source"] == "clip.mp4"
    # A plain numpy reader sees an ordinary .npz.
    with np.load(tmp_path / "streamed.npz") as data:
        assert data["xy"].shape == (13, 2, NUM_LANDMARKS, 2) and data["z"].dtype == np.float16
    builder.close()


def test_spooled_builder_keeps_at_most_one_block_in_memory() -> None:
    builder = TrackBuilder(640, 480, 30.0, spool=True, chunk_frames=8)
    fill(builder, 100)
    assert builder.frames == 100
    assert builder._blocks == []  # full blocks went to disk
    assert len(builder._spooled) == 100 // 8
    builder.close()


def test_empty_builder_saves_a_loadable_empty_track(tmp_path: Path) -> None:
    track = Track.load(TrackBuilder(640, 480, 25.0, spool=True).save(tmp_path / "empty.npz"))
    assert len(track) == 0 and track.xy.shape == (0, 2, NUM_LANDMARKS, 2)


@pytest.mark.parametrize("spool", [False, True])
def test_one_person_at_file_precision_gives_the_same_track_file(tmp_path: Path, spool: bool) -> None:
    # A live set keeps the tracked person only, at the file's half precision: what it saves must be
    # the file a full builder saves of that person.
    full = TrackBuilder(640, 480, 30.0, chunk_frames=4)
    compact = TrackBuilder(640, 480, 30.0, spool=spool, chunk_frames=4, people=1, compact=True)
    for i in range(10):
        frame = [person(float(i)), person(100.0 + i)] if i % 3 else []
        full.append(i / 30, frame[:1])
        compact.append(i / 30, frame)  # the second person is not kept
    assert compact.nbytes * 3 < full.nbytes  # 602 bytes a frame against 1,856
    a = Track.load(full.save(tmp_path / "full.npz"))
    b = Track.load(compact.save(tmp_path / "compact.npz"))
    for name in ("t", "xy", "z", "visibility", "world"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    built = compact.build()
    assert built.xy.shape == (10, 2, NUM_LANDMARKS, 2) and np.isnan(built.xy[:, 1]).all()
    np.testing.assert_array_equal(built.xy, b.xy)
    compact.close()
