"""Counts the tune page saves: a labels.json beside the track that 'posecheck tune' reads back."""

import json
from pathlib import Path

import pytest

from posecheck.agreement import Counted, counted_from_label, label_from_counted
from posecheck.cli_tune import load_sessions
from posecheck.errors import InputError
from posecheck.physio_labels import labels_path_for, read_label, save_label
from tests.test_suggest import bridges


def test_saved_counts_are_read_back_and_other_entries_kept(tmp_path: Path) -> None:
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    assert read_label(a) is None
    save_label(a, label_from_counted("bridge", Counted(3), "tune page"))
    save_label(b, label_from_counted("bridge", Counted(2, holds_s=(20.0,)), "tune page"))
    save_label(a, label_from_counted("bridge", Counted(4), "tune page"))  # replaces a's only
    data = json.loads(labels_path_for(a).read_text(encoding="utf-8"))
    assert set(data) == {"a.npz", "b.npz"} and not list(tmp_path.glob(".*.part"))
    assert counted_from_label(read_label(a) or {}) == Counted(4)
    assert counted_from_label(read_label(b) or {}) == Counted(2, holds_s=(20.0,))


def test_posecheck_tune_reads_what_the_page_saved(tmp_path: Path) -> None:
    track = tmp_path / "mine.npz"
    bridges((1.0, 1.0)).save(track)
    save_label(track, label_from_counted("bridge", Counted(2), "tune page"))
    sessions = load_sessions(labels_path_for(track), tmp_path, "bridge")
    assert [(s.name, s.physio.reps, len(s.track)) for s in sessions] == [
        ("mine.npz", 2, len(bridges((1.0, 1.0))))
    ]


def test_a_broken_labels_file_is_a_one_line_error(tmp_path: Path) -> None:
    labels_path_for(tmp_path / "x.npz").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"labels.json is not valid JSON .*; fix or remove it"):
        read_label(tmp_path / "x.npz")
