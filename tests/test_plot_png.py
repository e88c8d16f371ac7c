"""angles.png drawn fast: lines thinned to pixel columns keep every extreme; unchanged plots are copied."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from posecheck import plot_png
from posecheck.analyze import analyze_track
from posecheck.coach.feedback import RepEvent
from posecheck.coach.loader import load_exercise
from posecheck.track import Track

REPO = Path(__file__).resolve().parents[1]
BRIDGE = REPO / "sample_videos" / "tracks" / "bridge" / "ndnam0109-fitness-content__glute_bridges.npz"


def column_extremes(
    t: np.ndarray, v: np.ndarray, t0: float, t1: float, columns: int
) -> dict[int, tuple[float, float]]:
    """Per pixel column (as envelope bins them): the lowest and highest finite value."""
    ok = np.isfinite(v)
    col = np.clip(((t[ok] - t0) / (t1 - t0) * columns).astype(int), 0, columns - 1)
    out: dict[int, tuple[float, float]] = {}
    for c in np.unique(col):
        vals = v[ok][col == c]
        out[int(c)] = (float(vals.min()), float(vals.max()))
    return out


def noisy_series(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.02, 0.05, n))
    v = 100 + 40 * np.sin(t / 3) + rng.normal(0, 5, n)
    spikes = rng.choice(n, 30, replace=False)
    v[spikes] += rng.choice([-1, 1], 30) * rng.uniform(50, 200, 30)  # one-frame peaks
    return t, v


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_thinned_line_keeps_every_columns_min_and_max(seed: int) -> None:
    t, v = noisy_series(50_000, seed)
    t0, t1, columns = float(t[0]), float(t[-1]), 760
    tt, vv = plot_png.envelope(t, v, t0, t1, columns)
    assert tt.size <= 4 * columns < t.size // 10  # thinned for real
    assert column_extremes(tt, vv, t0, t1, columns) == column_extremes(t, v, t0, t1, columns)
    assert float(np.nanmax(vv)) == float(v.max()) and float(np.nanmin(vv)) == float(v.min())
    assert (tt[0], vv[0], tt[-1], vv[-1]) == (t[0], v[0], t[-1], v[-1])
    assert np.all(np.diff(tt) >= 0)  # still in time order


def test_gaps_stay_gaps_and_no_line_crosses_one() -> None:
    t, v = noisy_series(20_000, 3)
    for start in (1_000, 7_000, 7_050, 15_000):
        v[start : start + 40] = np.nan  # nobody in view for a moment
    t0, t1, columns = float(t[0]), float(t[-1]), 500
    tt, vv = plot_png.envelope(t, v, t0, t1, columns)
    assert column_extremes(tt, vv, t0, t1, columns) == column_extremes(t, v, t0, t1, columns)
    # Two neighbours drawn as a segment may not have a raw gap between them.
    finite = np.isfinite(vv)
    for i in np.flatnonzero(finite[:-1] & finite[1:]):
        between = (t > tt[i]) & (t < tt[i + 1])
        assert np.isfinite(v[between]).all(), f"segment {tt[i]:.2f}-{tt[i + 1]:.2f} s crosses a gap"
    assert np.isnan(vv).sum() >= 3  # the gaps 7,000 and 7,050 may share a column


def test_short_or_unsorted_series_are_left_alone() -> None:
    t, v = noisy_series(300, 4)
    tt, vv = plot_png.envelope(t, v, float(t[0]), float(t[-1]), 760)
    assert tt is t and vv is v  # fewer than 4 samples a column: nothing to gain
    long_t, long_v = noisy_series(10_000, 5)
    backwards = long_t[::-1].copy()
    tt, vv = plot_png.envelope(backwards, long_v, float(long_t[0]), float(long_t[-1]), 100)
    assert tt is backwards and vv is long_v  # columns need times in order


def test_a_rep_peak_of_a_long_session_is_in_the_drawn_line(tmp_path: Path) -> None:
    """A 10-minute series with one short peak: the thinned line drawn still reaches it."""
    t = np.arange(18_000) / 30.0
    v = np.full(t.size, 120.0)
    v[9_000:9_004] = [150.0, 171.5, 168.0, 140.0]  # a lift that lasts 4 frames
    tt, vv = plot_png.envelope(t, v, float(t[0]), float(t[-1]), 760)
    assert float(np.max(vv)) == 171.5 and tt.size < 4 * 760
    rep = RepEvent(side=None, start_s=299.9, end_s=300.3, faults=[], peak=171.5)
    path = tmp_path / "angles.png"
    plot_png.plot_metrics(path, {"hip_line": (t, v)}, [("hip_line", 160.0, "target")], [rep], [], "peak")
    with Image.open(path) as image:
        assert image.width >= 600 and image.text[plot_png.DIGEST_KEY]


def test_an_unchanged_plot_is_copied_not_drawn(tmp_path: Path) -> None:
    """An earlier PNG whose stored digest matches is copied byte for byte (here a 1-pixel stand-in)."""
    t, v = noisy_series(300, 6)
    args = ({"hip_line": (t, v)}, [("hip_line", 150.0, "target")], [], [], "same")
    stand_in = tmp_path / "old.png"
    info = PngImagePlugin.PngInfo()
    info.add_text(plot_png.DIGEST_KEY, plot_png.plot_digest(*args))
    Image.new("RGB", (1, 1)).save(stand_in, pnginfo=info)
    plot_png.plot_metrics(tmp_path / "copied.png", *args, reuse=stand_in)
    assert (tmp_path / "copied.png").read_bytes() == stand_in.read_bytes()
    moved = (args[0], [("hip_line", 155.0, "target")], *args[2:])
    plot_png.plot_metrics(tmp_path / "drawn.png", *moved, reuse=stand_in)  # type: ignore[arg-type]
    with Image.open(tmp_path / "drawn.png") as image:
        assert image.width > 1 and image.text[plot_png.DIGEST_KEY] == plot_png.plot_digest(*moved)  # type: ignore[arg-type]


def test_rescore_copies_the_plot_only_when_nothing_it_shows_changed(tmp_path: Path) -> None:
    track = Track.load(BRIDGE)
    rules = load_exercise("bridge")
    first = analyze_track(track, rules, tmp_path / "first").files["angles.png"]
    # Other rule bytes, same thresholds: the same picture, copied.
    same = analyze_track(track, rules, tmp_path / "same", previous_plot=first).files["angles.png"]
    assert same.read_bytes() == first.read_bytes()
    # The key target bound moved (what a tuning does): its dashed line moves, so it is drawn anew.
    target = list(rules.movement.target)
    target[0] = target[0].model_copy(update={"above": (target[0].above or 0) + 5})
    moved = rules.model_copy(update={"movement": rules.movement.model_copy(update={"target": target})})
    drawn = analyze_track(track, moved, tmp_path / "moved", previous_plot=first).files["angles.png"]
    assert drawn.read_bytes() != first.read_bytes()
    fresh = analyze_track(track, moved, tmp_path / "fresh").files["angles.png"]
    assert drawn.read_bytes() == fresh.read_bytes()  # drawing is deterministic: the digest may stand for it
