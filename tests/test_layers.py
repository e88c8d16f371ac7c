"""The flow runs one way: lower layers never import from the layers built on them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "posecheck"
# layer -> packages it must not import from (it sits below them in the flow)
FORBIDDEN = {
    "pose": ("posecheck.coach", "posecheck.ui", "posecheck.analyze", "posecheck.report"),
    "coach": ("posecheck.ui", "posecheck.analyze", "posecheck.report", "posecheck.pose"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_does_not_import_from_the_layers_above_it(layer: str) -> None:
    wrong = [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for name in imported_modules(path)
        if name.startswith(FORBIDDEN[layer])
    ]
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_an_import_when_there_is_one(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from posecheck.coach.prepare import rotate_points\nimport posecheck.ui\n")
    assert {"posecheck.coach.prepare", "posecheck.ui"} <= imported_modules(module)
