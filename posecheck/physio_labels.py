"""Where a physiotherapist's own counts are kept: a ``labels.json`` in the track's folder.

One file per folder, in the format of ``sample_videos/labels.json``, keyed by the track's file
name (``glute_bridges.npz``). So ``posecheck tune --labels FOLDER/labels.json --tracks FOLDER``
reads exactly what the tune page saved, and other entries in the file are left as they are.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from posecheck.errors import InputError

LABELS_NAME = "labels.json"


def labels_path_for(track: Path) -> Path:
    """The labels file beside ``track``."""
    return track.parent / LABELS_NAME


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not valid JSON ({exc}); fix or remove it") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected an object of labels keyed by file name; fix or remove it")
    return data


def read_label(track: Path) -> dict[str, Any] | None:
    """The stored label of ``track``, if any."""
    entry = _read(labels_path_for(track)).get(track.name)
    return entry if isinstance(entry, dict) else None


def save_label(track: Path, entry: dict[str, Any]) -> Path:
    """Store ``entry`` as ``track``'s label (atomically; other tracks' labels kept); returns the file."""
    path = labels_path_for(track)
    data = _read(path)
    data[track.name] = entry
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def drop_labels(folder: Path, names: list[str]) -> None:
    """Forget the labels of deleted tracks (by file name) in ``folder``'s labels file, if any."""
    path = folder / LABELS_NAME
    data = _read(path)
    kept = {k: v for k, v in data.items() if k not in set(names)}
    if len(kept) == len(data):
        return
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
