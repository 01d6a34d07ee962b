"""Packaging: pyproject.toml declares what requirements.txt pins, and the `harvest` script."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_project_depends_on_exactly_the_pinned_runtime_requirements() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = (ROOT / "requirements.txt").read_text().split("# Tests and tooling")[0]
    pinned = [line.strip() for line in runtime.splitlines() if line.strip()[:1].isalnum()]
    assert project["dependencies"] == pinned
    assert project["scripts"] == {"harvest": "harvest.cli:main"}
    assert (ROOT / "harvest" / "py.typed").is_file()


def test_the_summary_template_ships_with_the_package() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    template = "summary/templates/summary.html.j2"
    assert (ROOT / "harvest" / template).is_file()
    assert any(fnmatch(template, pattern) for pattern in setuptools["package-data"]["harvest"])
