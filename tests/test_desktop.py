"""Desktop live mode (`posecheck live`): same engine, cues printed when there is no window."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest

from posecheck import desktop
from posecheck.cli import main
from posecheck.coach.feedback import Feedback, RepEvent, SessionSummary, UncountedRep
from posecheck.coach.loader import load_exercise
from posecheck.coach.schema import RuleSet
from posecheck.desktop import LiveOptions, RecordingFrames
from posecheck.history import HistoryStore
from tests.conftest import ffmpeg


@pytest.mark.footage
@pytest.mark.slow
def test_live_against_a_recording_counts_and_prints(
    footage: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = footage / "bridge" / "ndnam0109-fitness-content__glute_bridges.mp4"
    args = ["live", "--video", str(clip), "-e", "bridge", "--no-window", "--fast", "--profile", "ann"]
    assert main(args) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert "rep 3" in "\n".join(out)
    assert out[-2] == "set done: 3 reps"
    # the set is in the history, rep by rep, finished
    with HistoryStore.open() as store:
        (saved,) = store.sessions()
    assert out[-1] == f"saved in the history as session {saved.id}"
    assert (saved.source, saved.profile, saved.reps_total, saved.partial) == ("live", "ann", 3, False)
    assert len(saved.reps) == 3 and saved.rules_path.endswith("rules/bridge.toml")


def test_missing_camera_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["live", "--camera", "97", "-e", "bridge", "--no-window"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "posecheck: error: camera 97 cannot be opened; check it is connected and not used by another app"
    ]


def test_unknown_exercise_for_live(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["live", "--camera", "0", "-e", "brige", "--no-window"]) == 2
    assert "did you mean 'bridge'" in capsys.readouterr().err


def test_a_looping_recording_played_live_knows_its_loop(
    tmp_path: Path, make_video: Callable[..., Path]
) -> None:
    gif = tmp_path / "anim.gif"
    ffmpeg("-i", str(make_video("src.mp4", n=5)), "-loop", "0", str(gif))
    recording = RecordingFrames(gif, realtime=False)
    assert recording.loop_s is None
    assert len(list(recording)) == 10  # played twice, as analyze plays it
    assert recording.loop_s == pytest.approx(0.5, abs=0.02)


def live_on_a_looping_gif(
    tmp_path: Path,
    make_video: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    summary_of_both_plays: Callable[[RuleSet, list[float]], SessionSummary],
) -> str:
    """`posecheck live` on a looping GIF whose coach (a stand-in) saw both plays; what it printed."""
    gif = tmp_path / "anim.gif"
    ffmpeg("-i", str(make_video("src.mp4", n=5)), "-loop", "0", str(gif))

    def both_plays(
        frames: Iterable[tuple[np.ndarray, float]],
        rules: RuleSet,
        options: LiveOptions,
        recorder: object = None,
    ) -> SessionSummary:
        return summary_of_both_plays(rules, [t for _, t in frames])

    monkeypatch.setattr(desktop, "run_live", both_plays)
    assert main(["live", "--video", str(gif), "-e", "bird_dog", "--no-window", "--fast"]) == 0
    return str(capsys.readouterr().out)


def test_live_counts_one_loop_of_a_looping_recording(
    tmp_path: Path,
    make_video: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The coach saw both plays (a rep in each); the set is what one loop shows, as in `analyze`.
    def summary(rules: RuleSet, times: list[float]) -> SessionSummary:
        reps = [RepEvent("left", 0.0, 0.3), RepEvent("left", 0.5, 0.8)]
        return SessionSummary(
            rules.exercise, times[-1], 2, 2, 0, reps, [], [], len(times), len(times), [], []
        )

    out = live_on_a_looping_gif(tmp_path, make_video, monkeypatch, capsys, summary)
    assert "looping animation" in out
    assert out.strip().splitlines()[-2:] == [
        "set done: 1 reps (left 1, right 0)",
        "saved in the history as session 1",
    ]
    with HistoryStore.open() as store:
        (saved,) = store.sessions()
    assert (saved.exercise, saved.reps_total, saved.reps_left, saved.partial) == ("bird_dog", 1, 1, False), (
        "one play"
    )


def test_live_history_problems_are_a_warning_and_no_save_saves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 50)
    monkeypatch.setenv("POSECHECK_DB", str(bad))
    one = SessionSummary("bridge", 3.0, 1, None, None, [RepEvent(None, 0.5, 2.0)], [], [], 90, 90, [], [])
    saving = desktop.LiveHistory("bridge", None, None)
    assert saving.recorder is not None
    saving.recorder.observe(one.rep_events, [])
    saving.finish(one)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"warning: not saved in the history: {bad}: not a readable")
    assert bad.read_bytes() == b"not a database at all" * 50, "nothing was changed"
    good = tmp_path / "good.db"
    monkeypatch.setenv("POSECHECK_DB", str(good))
    off = desktop.LiveHistory("bridge", None, None, save=False)
    assert off.recorder is None
    off.finish(one)
    assert not good.exists() and capsys.readouterr() == ("", "")


def test_live_prints_the_uncounted_reps_of_one_loop(
    tmp_path: Path,
    make_video: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def summary(rules: RuleSet, times: list[float]) -> SessionSummary:
        unseen = [  # the same movement in each play: said once
            UncountedRep("right", 0.1, 0.3, "unseen", "I could not see your knees."),
            UncountedRep("right", 0.6, 0.8, "unseen", "I could not see your knees."),
        ]
        n = len(times)
        return SessionSummary(rules.exercise, times[-1], 0, 0, 0, [], [], [], n, n, [], [], unseen)

    out = live_on_a_looping_gif(tmp_path, make_video, monkeypatch, capsys, summary).strip().splitlines()
    assert out[-2:] == [
        "set done: 0 reps (left 0, right 0)",
        "  1 rep not counted: 0.6-0.8 s (right): I could not see your knees.",
    ]


def _frame(uncounted: int) -> Feedback:
    return Feedback(
        12.34, True, "supine", "side", "rest", 2, 0, 0, 0.0, None, None, None, uncounted=uncounted
    )


def test_a_rep_not_counted_is_printed_as_it_happens() -> None:
    assert desktop.not_counted_line(_frame(0), seen=0) is None
    assert desktop.not_counted_line(_frame(1), seen=1) is None  # said once, not on every frame
    assert (
        desktop.not_counted_line(_frame(1), seen=0)
        == "  12.3 s  1 rep not counted (the set's summary says why)"
    )
    assert (
        desktop.not_counted_line(_frame(3), seen=1)
        == "  12.3 s  2 reps not counted (the set's summary says why)"
    )


@pytest.mark.footage
@pytest.mark.slow
def test_ctrl_c_mid_set_keeps_the_reps_counted_so_far(footage: Path) -> None:
    clip = footage / "bridge" / "ndnam0109-fitness-content__glute_bridges.mp4"
    rules = load_exercise("bridge")
    saving = desktop.LiveHistory("bridge", None, "ann")

    def until_ctrl_c() -> Iterator[tuple[np.ndarray, float]]:
        for image, t in RecordingFrames(clip, realtime=False):
            if t > 10.0:  # two of the clip's three reps are done by then
                raise KeyboardInterrupt
            yield image, t

    with pytest.raises(KeyboardInterrupt):
        desktop.run_live(
            until_ctrl_c(), rules, LiveOptions(window=False), say=lambda _: None, recorder=saving.recorder
        )
    # No flush here: run_live's own (the process would end now).
    assert saving.writer.pending == 0
    with HistoryStore.open() as store:
        (cut,) = store.sessions()
    assert cut.partial and cut.finished_at is None and cut.profile == "ann"
    assert cut.reps_total >= 1 and len(cut.reps) == cut.reps_total
