"""Engines, sessions and migrations for both backends.

SQLite (the one-machine default) needs a few connection-level settings to behave like a real
database under an asyncio bot: WAL so readers never block the writer, enforced foreign keys, a
busy timeout, and SQLAlchemy-issued BEGIN IMMEDIATE so SAVEPOINTs and transactional DDL work with
the stdlib driver and concurrent writers wait for each other instead of failing. Keep sessions
short on SQLite: a transaction holds the write lock until it ends. PostgreSQL goes through psycopg 3. Migrations run programmatically, so no
alembic.ini has to exist on disk at run time.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalize_url(url: str | URL) -> URL:
    """Pick the async driver for plain URLs: `sqlite://` -> aiosqlite, `postgresql://` -> psycopg."""
    parsed = make_url(url)
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend in ("postgresql", "postgres") and driver in (
        "",
        "psycopg2",
        "psycopg",
    ):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_is_memory(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or "mode=memory" in str(url.query.get("mode", ""))


def _ensure_sqlite_parent(url: URL) -> None:
    database = url.database or ""
    if _sqlite_is_memory(url) or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _install_sqlite_hooks(engine: AsyncEngine, *, wal: bool) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Let SQLAlchemy emit BEGIN (see "begin" below) instead of the driver's legacy mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock up front: concurrent writers then queue on
        # busy_timeout instead of failing with "database is locked" when a deferred read
        # transaction later tries to write (SQLITE_BUSY_SNAPSHOT is never retried).
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str | URL, *, echo: bool = False) -> AsyncEngine:
    """An `AsyncEngine` for `url` (SQLite file / memory, or PostgreSQL)."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        memory = _sqlite_is_memory(parsed)
        _ensure_sqlite_parent(parsed)
        kwargs: dict[str, Any] = {"poolclass": StaticPool} if memory else {}
        engine = create_async_engine(parsed, echo=echo, **kwargs)
        _install_sqlite_hooks(engine, wal=not memory)
        return engine
    return create_async_engine(parsed, echo=echo, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for the repository functions; objects stay usable after commit.

    Repository functions flush but never commit: the caller owns the transaction, e.g.
    ``async with factory.begin() as session: ...`` commits on success, rolls back on error.
    """
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic `Config` built in code (script_location = storage/migrations)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # Kept out of the ini options: configparser would choke on '%' in passwords.
        config.attributes["url"] = normalize_url(url)
    return config


def _run_alembic(connection: Connection, config: Config, revision: str, *, down: bool) -> None:
    config.attributes["connection"] = connection
    if down:
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


async def upgrade(url: str | URL, revision: str = "head") -> None:
    """Apply Alembic migrations up to `revision` (default: head) on the database at `url`."""
    await _migrate(url, revision, down=False)


async def downgrade(url: str | URL, revision: str) -> None:
    """Revert Alembic migrations down to `revision` (``"base"`` drops everything)."""
    await _migrate(url, revision, down=True)


async def _migrate(url: str | URL, revision: str, *, down: bool) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run_alembic, alembic_config(url), revision, down=down)
    finally:
        await engine.dispose()


def upgrade_sync(url: str | URL, revision: str = "head") -> None:
    """Blocking `upgrade` for the CLI and other code outside an event loop."""
    asyncio.run(upgrade(url, revision))
