"""Locate or build the MediaPipe pose landmarker model bundle (offline).

mediapipe 0.10.21 ships the legacy pose TFLite models inside its wheel but no
``.task`` bundle for the Tasks API. We build one on first use: the landmark
model gets the NormalizationOptions metadata the Tasks API insists on, then
both models go into a model asset bundle. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

from posecheck.errors import InputError

BUNDLE_NAME = "pose_landmarker_full_offline.task"
_LANDMARK_OUTPUTS = 5  # Identity..Identity_4: landmarks, flag, segmentation, heatmap, world


def cache_dir() -> Path:
    """Folder for built models; ``POSECHECK_CACHE`` overrides the XDG default."""
    override = os.environ.get("POSECHECK_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "posecheck"


def _packaged_model_files() -> tuple[Path, Path]:
    import mediapipe

    root = Path(mediapipe.__file__).parent / "modules"
    detector = root / "pose_detection" / "pose_detection.tflite"
    landmarks = root / "pose_landmark" / "pose_landmark_full.tflite"
    for path in (detector, landmarks):
        if not path.is_file():
            raise InputError(
                f"the installed mediapipe has no {path.name}; install mediapipe==0.10.21 "
                "(the pinned version) or pass --model PATH.task"
            )
    return detector, landmarks


def _landmark_model_with_metadata(model: bytes) -> bytes:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info("pose_landmarks_detector", "BlazePose GHUM 3D full")
    # The model takes RGB floats in [0, 1]: (pixel - 0) / 255.
    writer.add_image_input(norm_mean=[0.0], norm_std=[255.0])
    for _ in range(_LANDMARK_OUTPUTS):
        writer.add_feature_output()
    with_metadata, _json = writer.populate()
    return bytes(with_metadata)


def build_bundle(target: Path) -> Path:
    """Build the ``.task`` bundle from the models inside the mediapipe wheel."""
    from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils

    detector, landmarks = _packaged_model_files()
    models = {
        "pose_detector.tflite": detector.read_bytes(),
        "pose_landmarks_detector.tflite": _landmark_model_with_metadata(landmarks.read_bytes()),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write next to the target and rename, so a crash never leaves half a bundle.
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".task.tmp")
    os.close(fd)
    try:
        model_asset_bundle_utils.create_model_asset_bundle(models, tmp_name)
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def _source_fingerprint() -> str:
    detector, landmarks = _packaged_model_files()
    digest = hashlib.sha256()
    for path in (detector, landmarks):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def default_model_path() -> Path:
    """Path of the offline bundle, building it into the cache on first use."""
    target = cache_dir() / f"{_source_fingerprint()}-{BUNDLE_NAME}"
    if not target.is_file():
        try:
            build_bundle(target)
        except OSError as exc:
            raise InputError(
                f"cannot build the pose model in {target.parent} ({exc.strerror or exc}); "
                "set POSECHECK_CACHE to a writable folder or pass --model PATH.task"
            ) from None
    return target


def resolve_model(path: str | Path | None) -> Path:
    """The user's ``.task`` file if given (checked), else the offline bundle."""
    if path is None:
        return default_model_path()
    model = Path(path)
    if model.is_dir():
        raise InputError(f"model {model} is a folder; pass a MediaPipe pose landmarker .task file")
    if not model.is_file():
        raise InputError(f"model file not found: {model}; pass a MediaPipe pose landmarker .task file")
    if model.suffix != ".task":
        raise InputError(f"model file {model} is not a .task bundle; pass a pose landmarker .task file")
    if not zipfile.is_zipfile(model):  # a .task bundle is a zip archive of TFLite models
        raise InputError(f"model file {model} is damaged or not a .task bundle; download or build it again")
    return model
