"""Packaging: pyproject.toml declares what requirements.txt pins, and the `harvest` script."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_project_depends_on_exactly_the_pinned_runtime_requirements() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = (ROOT / "requirements.txt").read_text().split("# Tests and tooling")[0]
    pinned = [line.strip() for line in runtime.splitlines() if line.strip()[:1].isalnum()]
    assert project["dependencies"] == pinned
    assert project["scripts"] == {"harvest": "harvest.cli:main"}
    assert (ROOT / "harvest" / "py.typed").is_file()
