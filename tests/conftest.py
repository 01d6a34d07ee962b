"""Shared fixtures: fresh stores on SQLite and PostgreSQL, and the skip-unless-CI rule.

``require(condition, reason)`` is the one way to depend on something outside the repo
(a PostgreSQL server, a data file, Chromium): locally the test skips with ``reason``,
under ``CI=true`` it fails, because CI promised to provide it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from harvest.store import Store

POSTGRES_ENV = "HARVEST_TEST_POSTGRES_URL"
DATA_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def in_ci() -> bool:
    """True when running under CI (``CI=true``), where nothing may be skipped."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require(condition: object, reason: str) -> None:
    """Skip the calling test with ``reason`` unless ``condition`` holds; under
    ``CI=true`` fail instead, since CI must provide what the test needs."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def postgres_server_url() -> str:
    """The URL of the test PostgreSQL server (skips or fails without one)."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    require(url, f"{POSTGRES_ENV} is not set (PostgreSQL server for store tests)")
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a fresh, uniquely named PostgreSQL database, dropped afterwards, so
    parallel pytest-xdist workers never share one."""
    server = sa.make_url(postgres_server_url()).set(drivername="postgresql+psycopg")
    name = f"harvest_t_{uuid.uuid4().hex}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        require(False, f"PostgreSQL at {server.render_as_string()} is not reachable: {exc.orig}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The URL of a fresh SQLite file in the test's temporary folder."""
    return f"sqlite:///{tmp_path / 'harvest.db'}"


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    """A fresh store on a SQLite file in ``tmp_path``."""
    store = Store(sqlite_url)
    yield store
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """The URL of a fresh database on each engine."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A fresh store, once on SQLite and once on PostgreSQL."""
    store = Store(store_url)
    yield store
    store.close()
