"""Saved sessions keep their landmark track (person 0 only) so the tune page can re-score them.

Real SQLite files in tmp_path, the real migrations, a live set fed a recorded track, real .npz files.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from alembic import command

from posecheck.agreement import Counted
from posecheck.cli import main
from posecheck.cli_tune import load_sessions
from posecheck.coach.loader import load_exercise
from posecheck.coach.session import score_track
from posecheck.history import HistoryStore
from posecheck.history.database import alembic_config
from posecheck.history.live_sets import HistoryWriter, SetInfo, SetRecorder
from posecheck.history.tracks import (
    KEEP_ENV,
    MAX_LIVE_FRAMES,
    LiveTrack,
    save_analysed,
    save_track,
    saved_tracks,
    track_file,
    tracks_folder,
)
from posecheck.physio_labels import read_label, save_label
from posecheck.track import PersonLandmarks, Track
from posecheck.ui.live import LiveSession
from posecheck.ui.tune_agreement import _label, _track_file
from posecheck.ui.tune_saved import saved_sessions
from tests.test_live_sets import RULES, summary
from tests.test_ui_live import BRIDGE_REPS, BRIDGE_TRACK, ReplayEstimator, feed_track

INFO = SetInfo("bridge", RULES, "live", "ann")


@pytest.fixture(scope="module")
def bridge_track() -> Track:
    return Track.load(BRIDGE_TRACK)


def two_people(track: Track) -> Track:
    """The track with a second person standing beside the first (a physio in view)."""
    xy = track.xy.copy()
    xy[:, 1] = xy[:, 0] + np.float32(200.0)
    vis, z, world = track.visibility.copy(), track.z.copy(), track.world.copy()
    vis[:, 1], z[:, 1], world[:, 1] = vis[:, 0], z[:, 0], world[:, 0]
    return Track(track.t, xy, z, vis, world, track.width, track.height, track.fps, dict(track.meta))


def stored(db: Path) -> list:  # type: ignore[type-arg]
    with HistoryStore.open(db) as store:
        return store.sessions()


def test_a_live_set_keeps_its_track_and_it_reads_back_equal_and_rescores_alike(
    tmp_path: Path, bridge_track: Track
) -> None:
    db = tmp_path / "h.db"
    writer = HistoryWriter(db)
    rules = load_exercise("bridge")
    shown = two_people(bridge_track)  # a second person in view is never kept
    session = LiveSession(rules, estimator_factory=lambda: ReplayEstimator(shown))
    session.record_to(writer, INFO)
    feed_track(session, shown)
    assert writer.flush()
    (running,) = stored(db)
    assert running.track_path is None, "a set still running (or killed) has no track yet"
    session.end_set()
    assert writer.flush() and not writer.error
    writer.close()
    (done,) = stored(db)
    with HistoryStore.open(db) as store:
        path = track_file(store, done)
        assert path is not None and path.parent == tmp_path / "h-tracks"
    kept = Track.load(path)
    assert len(kept) == len(bridge_track)
    np.testing.assert_array_equal(kept.xy[:, 0], bridge_track.xy[:, 0])
    np.testing.assert_allclose(kept.visibility[:, 0], bridge_track.visibility[:, 0], atol=1e-3)
    np.testing.assert_allclose(kept.t - kept.t[0], bridge_track.t - bridge_track.t[0], atol=1e-3)
    assert np.isnan(kept.xy[:, 1]).all() and not np.any(kept.visibility[:, 1])
    assert kept.fps == pytest.approx(bridge_track.fps, rel=0.05)
    assert score_track(rules, kept).summary.reps_total == done.reps_total == BRIDGE_REPS


def test_a_0001_database_is_upgraded_and_its_old_sessions_have_no_track(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    command.upgrade(alembic_config(url=f"sqlite:///{db}"), "0001")
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO sessions (started_at, exercise, rules_path, rules_sha256, source, profile, partial,"
            " reps_total) VALUES ('2026-01-02 10:00:00', 'bridge', 'r.toml', 'x', 'video', 'ann', 0, 4)"
        )
        assert "track_path" not in {row[1] for row in conn.execute("PRAGMA table_info(sessions)")}
    (old,) = stored(db)
    assert (old.exercise, old.reps_total, old.track_path) == ("bridge", 4, None)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
        assert "track_path" in {row[1] for row in conn.execute("PRAGMA table_info(sessions)")}
    with HistoryStore.open(db) as store:
        assert saved_tracks(store, "bridge") == []


def test_an_analysed_video_keeps_person_zero_only(tmp_path: Path, bridge_track: Track) -> None:
    with HistoryStore.open(tmp_path / "h.db") as store:
        sid, note = save_analysed(
            store, summary(3), RULES, profile="ann", partial=False, track=two_people(bridge_track)
        )
        (record,) = store.sessions()
        path = track_file(store, record)
    assert note == "" and record.id == sid and path is not None
    kept = Track.load(path)
    np.testing.assert_array_equal(kept.xy[:, 0], bridge_track.xy[:, 0])
    assert np.isnan(kept.xy[:, 1]).all() and kept.meta["people_kept"] == 1


def test_delete_all_removes_the_track_files_and_their_counts(tmp_path: Path, bridge_track: Track) -> None:
    db = tmp_path / "h.db"
    with HistoryStore.open(db) as store:
        for who in ("ann", "bob"):
            save_analysed(store, summary(3), RULES, profile=who, partial=False, track=bridge_track)
        ann, bob = (track_file(store, r) for r in store.sessions())
        assert ann is not None and bob is not None
        for path in (ann, bob):
            save_label(path, {"exercise": "bridge", "reps": 3})
        assert store.delete_all("ann") == 1
        assert not ann.exists() and bob.exists()
        assert read_label(ann) is None and read_label(bob) is not None
        assert store.delete_all() == 1
        assert not bob.exists() and read_label(bob) is None
        assert [p.name for p in tracks_folder(store).glob("*.npz")] == []  # type: ignore[union-attr]


def test_history_delete_all_on_the_command_line_removes_track_files(tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert main(["analyze", str(BRIDGE_TRACK), "-e", "bridge", "-o", str(out), "--save", "--no-video"]) == 0
    (record,) = HistoryStore.open().sessions()
    with HistoryStore.open() as store:
        path = track_file(store, record)
    assert path is not None and len(Track.load(path)) == len(Track.load(BRIDGE_TRACK))
    assert main(["history", "--delete-all", "--yes"]) == 0
    assert not path.exists()


def test_opting_out_keeps_no_track(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bridge_track: Track
) -> None:
    db = tmp_path / "h.db"
    monkeypatch.setenv(KEEP_ENV, "0")
    with HistoryStore.open(db) as store:
        save_analysed(store, summary(3), RULES, profile=None, partial=False, track=bridge_track)
    writer = HistoryWriter(db)
    rec = SetRecorder(writer, INFO)
    rec.frame(0.0, None, (640, 480), None)
    assert rec.track is None, "nothing is even collected in memory"
    rec.finish(summary(2))
    assert writer.flush() and not writer.error
    writer.close()
    assert [r.track_path for r in stored(db)] == [None, None]
    assert not (tmp_path / "h-tracks").exists()
    monkeypatch.delenv(KEEP_ENV)
    out = tmp_path / "o"
    args = [
        "analyze",
        str(BRIDGE_TRACK),
        "-e",
        "bridge",
        "-o",
        str(out),
        "--save",
        "--no-video",
        "--no-track",
    ]
    assert main(args) == 0
    assert [r.track_path for r in HistoryStore.open().sessions()] == [None]


def test_a_bad_setting_or_an_unwritable_folder_is_one_line_and_the_session_is_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bridge_track: Track
) -> None:
    db = tmp_path / "h.db"
    monkeypatch.setenv(KEEP_ENV, "maybe")
    with HistoryStore.open(db) as store:
        _sid, note = save_analysed(store, summary(3), RULES, profile=None, partial=False, track=bridge_track)
    assert f"{KEEP_ENV}=maybe" in note and "\n" not in note
    monkeypatch.delenv(KEEP_ENV)
    (tmp_path / "h-tracks").write_text("a file where the folder should be")
    writer = HistoryWriter(db)
    rec = SetRecorder(writer, INFO)
    for i in range(5):
        rec.frame(i / 30, None, (640, 480), 0)
    rec.finish(summary(2))
    assert writer.flush()
    writer.close()
    assert "landmark track of session" in writer.error and "\n" not in writer.error
    assert writer.saved_sets == 1
    assert [(r.reps_total, r.track_path) for r in stored(db)] == [(3, None), (2, None)]


def test_the_tune_page_lists_saved_sessions_with_a_track_and_saves_counts_beside_them(
    tmp_path: Path, bridge_track: Track
) -> None:
    db = tmp_path / "h.db"
    assert saved_sessions("bridge", location=db) == ({}, None), "no history: nothing listed, nothing created"
    assert not db.exists()
    started = datetime(2026, 12, 3, 10, 15, tzinfo=timezone.utc)
    with HistoryStore.open(db) as store:
        for who, track in (("anna", bridge_track), ("bob", bridge_track), ("anna", None)):
            sid = store.save_summary(summary(12), RULES, profile=who, started_at=started)
            if track is not None:
                save_track(store, sid, track)
        store.save_summary(summary(1), RULES, profile="anna")  # no track: not listed
        tilt = replace(summary(2), exercise="pelvic_tilt")
        save_track(
            store, store.save_summary(tilt, RULES.parent / "pelvic_tilt.toml", profile="anna"), bridge_track
        )
    listed, error = saved_sessions("bridge", "anna", location=db)
    assert error is None and len(listed) == 1
    (label, path), local = next(iter(listed.items())), started.astimezone()
    assert label == f"saved: {local:%Y-%m-%d %H:%M} bridge (profile anna, 12 reps, session 1)"
    assert len(saved_sessions("bridge", location=db)[0]) == 2, "no profile set: everyone's"
    assert len(Track.load(path)) == len(bridge_track)
    # "Save my counts" for a saved session writes labels.json in the tracks folder, keyed by file name
    target = _track_file(label, tmp_path / "unused", listed)
    assert target == path
    written = save_label(target, _label("bridge", Counted(11), []))
    assert written == tmp_path / "h-tracks" / "labels.json"
    # ... which `posecheck tune --labels FOLDER/labels.json --tracks FOLDER` reads
    (session,) = load_sessions(written, written.parent, "bridge")
    assert session.physio == Counted(11) and len(session.track) == len(bridge_track)


def test_a_live_track_is_bounded_and_rebuilt_exactly(bridge_track: Track) -> None:
    live = LiveTrack(bridge_track.width, bridge_track.height)
    people = [
        PersonLandmarks(bridge_track.xy[i, 0], bridge_track.z[i, 0], bridge_track.visibility[i, 0],
                        bridge_track.world[i, 0])
        for i in range(len(bridge_track))
    ]  # fmt: skip
    for i in range(MAX_LIVE_FRAMES + 50):
        live.add(i / 30, people[i % len(people)] if i % 7 else None)
    assert live.frames == MAX_LIVE_FRAMES and live.meta["truncated"] is True
    assert live.nbytes < 12e6, "10 minutes at 30 fps stay near 11 MB"
    built = live.builder().build()
    assert len(built) == MAX_LIVE_FRAMES and built.fps == pytest.approx(30.0)
    i = 8  # a frame with the person (every 7th frame nobody was found)
    np.testing.assert_array_equal(built.xy[i, 0], bridge_track.xy[i, 0])
    assert np.isnan(built.xy[7, 0]).all() and np.isnan(built.xy[:, 1]).all()
