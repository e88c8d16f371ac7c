"""The Progress data (posecheck/progress.py) on real SQLite files filled through HistoryStore:
days, doses against the programme, faults per rep, filters, and sets broken off mid-way."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from posecheck.coach.feedback import HoldEvent, RepEvent, SessionSummary
from posecheck.dose import Counts, dose_text, status
from posecheck.history import HistoryStore, SessionRecord
from posecheck.programme import load_programme
from posecheck.progress import build_view, default_range, local_day, needed_units, profiles, select

REPO = Path(__file__).resolve().parents[1]
TODAY = date.today()


def at(day: date, hour: int = 12) -> datetime:
    """Local time on ``day`` (midday: far from any day boundary) as an aware datetime."""
    return datetime.combine(day, time(hour)).astimezone()


def reps_summary(exercise: str, n: int, faults_every: int = 0, sides: bool = False) -> SessionSummary:
    def side(i: int) -> str | None:
        return ("left" if i % 2 == 0 else "right") if sides else None

    reps = [
        RepEvent(
            side(i), 2.0 * i, 2.0 * i + 1.5, ("hips_low",) if faults_every and i % faults_every == 0 else ()
        )
        for i in range(n)
    ]
    left = sum(r.side == "left" for r in reps) if sides else None
    right = sum(r.side == "right" for r in reps) if sides else None
    return SessionSummary(exercise, 30.0, n, left, right, reps, [], [], 300, 300, [], [])


def holds_summary(exercise: str, holds: list[tuple[str, float]]) -> SessionSummary:
    events = [HoldEvent(side, 40.0 * i, 40.0 * i + s, s, s >= 20) for i, (side, s) in enumerate(holds)]
    return SessionSummary(exercise, 120.0, 0, None, None, [], events, [], 300, 300, [], [])


def rules(exercise: str) -> Path:
    return REPO / "rules" / f"{exercise}.toml"


@pytest.fixture
def filled(tmp_path: Path) -> list[SessionRecord]:
    """Bridge 10 reps (every 2nd with a fault) five days ago and 4 reps today; hip stretch holds
    (left 25 s, right 25 s, left 12 s: too short) three days ago for profile ann."""
    with HistoryStore.open(tmp_path / "h.db") as store:
        day1, day2 = TODAY - timedelta(days=5), TODAY - timedelta(days=3)
        store.save_summary(reps_summary("bridge", 10, faults_every=2), rules("bridge"), started_at=at(day1))
        store.save_summary(
            holds_summary("hip_stretch", [("left", 25), ("right", 25), ("left", 12)]),
            rules("hip_stretch"),
            profile="ann",
            started_at=at(day2),
        )
        store.save_summary(reps_summary("bridge", 4), rules("bridge"), source="live", started_at=at(TODAY, 9))
        return store.sessions()


def test_days_and_doses_follow_the_programme(filled: list[SessionRecord]) -> None:
    handout = load_programme("handout")
    start, end = default_range()
    view = build_view(select(filled, None, start, end), handout, start, end)
    assert [e.exercise for e in view.exercises] == ["bridge", "hip_stretch"]  # handout order
    bridge, hip = view.exercises
    bridge_plan = next(e.dose for e in handout.entries if e.exercise == "bridge")
    hip_plan = next(e.dose for e in handout.entries if e.exercise == "hip_stretch")
    assert bridge.dose == dose_text(bridge_plan) == "8-12 reps"
    # Bridge: 10 reps reach the minimum of 8 (share 1); 4 reps are half of it.
    assert [(d.day, d.reps_total, d.counted, d.needed) for d in bridge.days] == [
        (TODAY - timedelta(days=5), 10, 10, bridge_plan.reps[0]),
        (TODAY, 4, 4, bridge_plan.reps[0]),
    ]
    assert [d.share for d in bridge.days] == [1.0, 4 / bridge_plan.reps[0]]
    # Hip stretch: 2 each side; the 12 s hold is shorter than the dose's 20 s and does not count.
    (hip_day,) = hip.days
    assert hip_day.hold_seconds == (25.0, 25.0, 12.0)
    assert hip_day.needed == 2 * hip_plan.reps[0] and hip_day.counted == 2
    left = status(hip_plan, Counts(holds=()))  # nothing done: the whole dose is left
    assert left.left == hip_day.needed
    # The calendar: every day of the range, share = mean over the programme's ten exercises.
    assert len(view.days) == (end - start).days + 1 == 28
    shares = {d.day: d.share for d in view.days if d.sessions}
    size = len(handout.entries)
    assert shares == {
        TODAY - timedelta(days=5): pytest.approx(1.0 / size),
        TODAY - timedelta(days=3): pytest.approx(0.5 / size),
        TODAY: pytest.approx(0.5 / size),
    }
    assert view.days_exercised == 3 and view.sessions == 3
    assert sum(d.entries_done for d in view.days) == 1  # only the 10-rep bridge day met a whole dose


def test_faults_per_rep(filled: list[SessionRecord]) -> None:
    start, end = default_range()
    bridge = build_view(select(filled, None, start, end), load_programme("handout"), start, end).exercises[0]
    first, second = bridge.days
    assert first.faults == {"hips_low": 5} and first.faults_per_rep == 0.5  # reps 0, 2, 4, 6, 8 of 10
    assert second.faults == {} and second.faults_per_rep == 0.0
    assert bridge.faults == {"hips_low": 5}


def test_profile_and_date_filters(filled: list[SessionRecord]) -> None:
    assert profiles(filled) == ["ann"]
    assert [r.exercise for r in select(filled, "ann", None, None)] == ["hip_stretch"]
    last_four = select(filled, None, TODAY - timedelta(days=3), TODAY)
    assert [r.exercise for r in last_four] == ["hip_stretch", "bridge"]
    assert select(filled, None, TODAY - timedelta(days=2), TODAY - timedelta(days=1)) == []
    assert all(local_day(r.started_at) <= TODAY for r in filled)


def test_an_exercise_outside_the_programme_takes_its_rule_files_dose(tmp_path: Path) -> None:
    folder = tmp_path / "progs"
    folder.mkdir()
    (folder / "short.toml").write_text(
        'schema_version = 1\nid = "short"\ntitle = "Just the bridge"\n'
        '[[exercises]]\nexercise = "bridge"\nreps = 3\nsets = 2\n',
        encoding="utf-8",
    )
    short = load_programme(folder / "short.toml")
    with HistoryStore.open(tmp_path / "h.db") as store:
        store.save_summary(reps_summary("bridge", 5), rules("bridge"), started_at=at(TODAY))
        store.save_summary(reps_summary("pelvic_tilt", 3), rules("pelvic_tilt"), started_at=at(TODAY))
        records = store.sessions()
    view = build_view(records, short, TODAY, TODAY)
    bridge, tilt = view.exercises
    assert bridge.in_programme and bridge.days[0].needed == needed_units(short.entries[0].dose)[0] == 6
    assert bridge.days[0].share == pytest.approx(5 / 6)
    assert not tilt.in_programme and tilt.dose == "8-12 reps"  # rules/pelvic_tilt.toml's [dose]
    # The share of the programme counts the programme's exercises only.
    assert view.days[0].share == pytest.approx(5 / 6) and view.days[0].entries_done == 0


def test_a_set_broken_off_mid_way_counts_its_saved_reps(tmp_path: Path) -> None:
    # The app was killed mid-set: the session was started and reps written one by one, never finished.
    with HistoryStore.open(tmp_path / "h.db") as store:
        sid = store.start_session("lower_tummy", rules("lower_tummy"), source="live", started_at=at(TODAY))
        for i, side in enumerate(["left", "right", "left"], start=1):
            store.add_rep(sid, i, RepEvent(side, float(i), i + 0.8, ("pelvis_lift",) if i == 2 else ()))  # type: ignore[arg-type]
        records = store.sessions()
    handout = load_programme("handout")
    view = build_view(records, handout, TODAY, TODAY)
    (day,) = view.exercises[0].days
    assert day.partial
    assert (day.reps_total, day.reps_left, day.reps_right) == (3, 2, 1)
    plan = next(e.dose for e in handout.entries if e.exercise == "lower_tummy")
    assert day.needed == 2 * plan.reps[0] and day.counted == 3
    assert day.faults_per_rep == pytest.approx(1 / 3)


def test_nothing_saved_is_an_empty_view() -> None:
    start, end = default_range(date(2025, 3, 31))
    assert start == date(2025, 3, 4)
    view = build_view([], load_programme("handout"), start, end)
    assert view.exercises == () and view.days_exercised == 0 and view.mean_share == 0.0
    assert all(d.sessions == 0 and d.share == 0 for d in view.days)


def test_the_page_figures_draw_the_dose(filled: list[SessionRecord]) -> None:
    from posecheck.ui.progress_figures import done_figure, faults_figure

    start, end = default_range()
    bridge, hip = build_view(
        select(filled, None, start, end), load_programme("handout"), start, end
    ).exercises
    fig = done_figure(bridge, start, end)
    assert list(fig.data[0].y) == [10, 4] and fig.data[0].type == "bar"
    band = fig.layout.shapes[0]
    assert (band.y0, band.y1) == needed_units(bridge.plan)  # type: ignore[arg-type]
    assert fig.layout.annotations[0].text == "dose: 8-12 reps"
    holds = done_figure(hip, start, end)
    assert list(holds.data[0].y) == [25.0, 25.0, 12.0] and (
        holds.layout.shapes[0].y0,
        holds.layout.shapes[0].y1,
    ) == (20, 30)
    faults = faults_figure(bridge, start, end)
    assert [t.name for t in faults.data] == ["hips low"] and list(faults.data[0].y) == [0.5, 0.0]
