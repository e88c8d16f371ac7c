"""The adherence calendar and the physiotherapist's report: self-contained HTML with the charts,
from the page's data and from ``posecheck history --report FILE.html``."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from posecheck.cli import main
from posecheck.coach.feedback import RepEvent, SessionSummary
from posecheck.history import HistoryStore
from posecheck.programme import load_programme
from posecheck.progress import build_view, default_range, select
from posecheck.progress_report import calendar_html, report_html

REPO = Path(__file__).resolve().parents[1]
BRIDGE = REPO / "rules" / "bridge.toml"
TODAY = date.today()


class Cells(HTMLParser):
    """The calendar's day cells (their attributes) and every tag name seen."""

    def __init__(self) -> None:
        super().__init__()
        self.days: list[dict[str, str | None]] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        found = dict(attrs)
        if tag == "td" and "data-day" in found:
            self.days.append(found)


def parse(text: str) -> Cells:
    cells = Cells()
    cells.feed(text)
    return cells


def bridge(n: int, faults: int = 0) -> SessionSummary:
    reps = [RepEvent(None, float(i), i + 1.0, ("hips_low",) if i < faults else ()) for i in range(n)]
    return SessionSummary("bridge", 20.0, n, None, None, reps, [], [], 100, 100, [], [])


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "history.db"
    monkeypatch.setenv("POSECHECK_DB", str(path))
    with HistoryStore.open(path) as store:
        for days_ago, n, faults in [(6, 12, 3), (2, 6, 0)]:
            day = datetime.combine(TODAY - timedelta(days=days_ago), time(12)).astimezone()
            store.save_summary(bridge(n, faults), BRIDGE, profile="ann", started_at=day)
        store.save_summary(
            bridge(9), BRIDGE, profile="bob", started_at=datetime.combine(TODAY, time(12)).astimezone()
        )
    return path


def view_of(db: Path, profile: str | None = None):  # type: ignore[no-untyped-def]
    with HistoryStore.open(db) as store:
        records = store.sessions()
    start, end = default_range()
    return build_view(select(records, profile, start, end), load_programme("handout"), start, end, profile)


def test_the_calendar_has_every_day_and_its_share(db: Path) -> None:
    view = view_of(db, "ann")
    cells = parse(calendar_html(view))
    assert [c["data-day"] for c in cells.days] == [d.day.isoformat() for d in view.days]
    done = {c["data-day"]: float(c["data-share"] or 0) for c in cells.days if c["data-sets"] != "0"}
    size = len(load_programme("handout").entries)
    assert done == {
        (TODAY - timedelta(days=6)).isoformat(): pytest.approx(1 / size, abs=1e-3),
        (TODAY - timedelta(days=2)).isoformat(): pytest.approx(6 / 8 / size, abs=1e-3),  # 6 of 8 reps
    }
    # Whole weeks, Monday first: the rows are filled with days outside the range.
    assert cells.tags.count("td") % 7 == 0


def test_the_report_is_one_self_contained_document_with_a_chart_per_exercise(db: Path) -> None:
    view = view_of(db, "ann")
    text = report_html(view, str(db))
    cells = parse(text)
    assert "script" not in cells.tags and "link" not in cells.tags and "img" not in cells.tags
    # Nothing to fetch: the only URLs are XML namespaces of the inline SVG.
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    assert not any(
        name in ("src", "href") and value and not value.startswith("#") for name, value in cells.attrs
    )
    assert cells.tags.count("svg") == len(view.exercises) == 1
    assert "Exercise report: ann" in text and "Dose: 8-12 reps" in text
    assert "2 of 28 days exercised, 2 sets saved" in text
    assert "hips low (3)" in text  # the top fault with its count
    assert "@page{size:A4" in text


def test_history_report_from_the_command_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    assert main(["history", "--report", str(out), "--profile", "ann"]) == 0
    assert f"wrote {out} (2 sets, 2 days exercised)" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    # The command line writes what the page offers for the same choice (but for the time it was made).
    page = report_html(view_of(db, "ann"), str(db))
    strip = re.compile(r"Made by posecheck on [0-9: -]+")
    assert strip.sub("", text) == strip.sub("", page)
    since = (TODAY - timedelta(days=3)).isoformat()
    assert main(["history", "--report", str(out), "--since", since]) == 0
    assert "(2 sets, 2 days exercised)" in capsys.readouterr().out  # ann's last and bob's


def test_history_report_bad_names_are_one_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", "--report", str(tmp_path / "report.pdf")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("posecheck: error: --report") and "ending in .html" in err and "\n" not in err
    assert main(["history", "--report", str(tmp_path / "no" / "such" / "r.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert "cannot write it" in err and "\n" not in err
    with pytest.raises(SystemExit) as exit_info:  # argparse: one output at a time
        main(["history", "--report", str(tmp_path / "r.html"), "--json"])
    assert exit_info.value.code == 2 and "not allowed with argument --report" in capsys.readouterr().err
