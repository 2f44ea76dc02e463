"""Synchronous entry points (the CLI path), outside any event loop."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import URL

from storage.engine import normalize_url, upgrade_sync
from storage.errors import Conflict, InvalidValue, NotFound, StorageError


@pytest.mark.sqlite
def test_upgrade_sync_outside_a_loop(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade_sync(url)
    upgrade_sync(url)
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0005",)


def test_normalize_url() -> None:
    assert normalize_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite+aiosqlite:///x.db").drivername == "sqlite+aiosqlite"


@pytest.mark.postgres
def test_upgrade_sync_on_postgresql(pg_schema_url: URL) -> None:
    upgrade_sync(pg_schema_url)
    upgrade_sync(pg_schema_url)
    conninfo = pg_schema_url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert row == ("0005",)


def test_errors_share_one_root() -> None:
    for exc in (NotFound, Conflict, InvalidValue):
        assert issubclass(exc, StorageError)
