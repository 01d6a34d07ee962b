"""The environment's settings, read in one place (harvest.config)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvest import config
from harvest.access import link_url, load_secret
from harvest.store import database_url


@pytest.mark.parametrize("value", [None, ""])
def test_unset_and_empty_mean_the_default(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    for name in ("HARVEST_SESSIONS_DIR", "HARVEST_DATABASE_URL", "HARVEST_BASE_URL"):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert config.sessions_dir() == config.DEFAULT_SESSIONS_DIR
    assert config.database_url() is None
    assert config.base_url() is None


def test_the_sessions_folder_holds_the_database_and_the_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HARVEST_DATABASE_URL", raising=False)
    monkeypatch.delenv("HARVEST_SECRET_KEY", raising=False)
    monkeypatch.setenv("HARVEST_SESSIONS_DIR", str(tmp_path))
    assert database_url() == f"sqlite:///{tmp_path.resolve() / 'harvest.db'}"
    assert load_secret() == (tmp_path / "secret.key").read_text().strip().encode("utf-8")


def test_the_environment_is_read_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARVEST_DATABASE_URL", "  postgresql://db/h ")
    monkeypatch.setenv("HARVEST_BASE_URL", "https://b.example")
    monkeypatch.setenv("HARVEST_SQLITE_BUSY_SECONDS", "no number")
    assert database_url() == "postgresql+psycopg://db/h"
    assert link_url("t").startswith("https://b.example/?")
    assert config.sqlite_busy_seconds(10.0) == 10.0
    monkeypatch.setenv("HARVEST_SIMILAR_HINT", "0")
    assert config.similar_hint() is False
