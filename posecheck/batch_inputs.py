"""What a batch analyses: folders, globs and manifest CSVs turned into (path, exercise, profile) items.

A folder is read one level deep (not recursively): a batch's output folder is often made inside
the folder of recordings, and its result folders hold ``track.npz`` files a recursive walk would
take for new inputs. A glob may say ``**`` to reach deeper on purpose.
"""

from __future__ import annotations

import csv
import glob
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from posecheck.errors import InputError

# What a folder contributes: videos and landmark tracks (a stray picture is not a session).
FOLDER_SUFFIXES = (".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".gif", ".npz")


@dataclass(frozen=True)
class BatchItem:
    """One input to analyse: its absolute path, the exercise filmed and whose recording it is."""

    path: Path
    exercise: str | None
    profile: str = ""


def _folder(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in FOLDER_SUFFIXES
    )


def read_manifest(csv_path: Path) -> list[BatchItem]:
    """Rows of a manifest CSV (columns path, exercise, profile); relative paths are relative to the CSV."""
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
            header = [h.strip().lower() for h in (rows[0].keys() if rows else [])]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(
            f"manifest {csv_path} cannot be read ({exc}); pass a CSV with a path column"
        ) from None
    if rows and "path" not in header:
        raise InputError(
            f"manifest {csv_path} has no 'path' column (found: {', '.join(header)}); add a header row"
        )
    items = []
    for row in rows:
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not clean.get("path"):
            continue
        path = Path(clean["path"]).expanduser()
        if not path.is_absolute():
            path = csv_path.parent / path
        items.append(BatchItem(path.absolute(), clean.get("exercise") or None, clean.get("profile", "")))
    if not items:
        raise InputError(f"manifest {csv_path} lists no inputs; give one 'path' per row")
    return items


def expand(inputs: Sequence[str]) -> list[BatchItem]:
    """Folders, globs, files and manifests as items (exercise unset unless a manifest gives it)."""
    items: list[BatchItem] = []
    for text in inputs:
        p = Path(text).expanduser()
        if p.is_file() and p.suffix.lower() == ".csv":
            items += read_manifest(p)
        elif p.is_dir():
            found = _folder(p)
            if not found:
                raise InputError(f"{p}: no videos or tracks ({', '.join(FOLDER_SUFFIXES)}) in this folder")
            items += [BatchItem(f.absolute(), None) for f in found]
        elif p.exists():
            items.append(BatchItem(p.absolute(), None))
        elif glob.has_magic(text):
            matched = sorted(Path(m) for m in glob.glob(str(p), recursive=True) if Path(m).is_file())
            if not matched:
                raise InputError(f"{text}: the pattern matches no file")
            items += [BatchItem(m.absolute(), None) for m in matched]
        else:
            raise InputError(f"input not found: {text} (no file, folder or glob match); check the path")
    return items


def with_exercises(items: Sequence[BatchItem], default: str | None) -> list[BatchItem]:
    """Fill in ``default`` where no manifest named the exercise; check every exercise; drop duplicates."""
    from posecheck.coach.loader import check_exercise

    out: list[BatchItem] = []
    seen: set[tuple[Path, str]] = set()
    for item in items:
        exercise = item.exercise or default
        if exercise is None:
            raise InputError(
                f"no exercise for {item.path}: pass --exercise ID, or --exercise auto to find it"
            )
        if exercise != "auto":  # auto: recognised per input (posecheck/recognise.py)
            check_exercise(exercise)
        key = (item.path, exercise)
        if key not in seen:  # the same recording named twice is analysed once
            seen.add(key)
            out.append(BatchItem(item.path, exercise, item.profile))
    return out
