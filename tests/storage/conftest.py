"""Database fixtures: every storage test runs on SQLite *and* PostgreSQL.

`engine` is parametrised over both backends and migrates a fresh database with
`storage.engine.upgrade()` for every test, so migrations are exercised all the time:

* SQLite: a file under tmp_path (in a not-yet-existing `data/` folder), WAL asserted.
* PostgreSQL: one scratch database per pytest run (``tutor_test_<random>``, created through the
  `test` database and dropped at the end), and a fresh schema per test inside it, so concurrent
  runs never clash. PostgreSQL is required: if it cannot be reached the tests *fail* with a
  clear message. Override the server with TUTOR_TEST_POSTGRES_URL (a URL to an existing
  database the user may CREATE DATABASE from). Run one backend with ``-m sqlite`` /
  ``-m postgres``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import repository as repo
from storage.engine import create_engine, session_factory, upgrade
from storage.models import Result

PG_CANDIDATES = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)

BACKENDS = [
    pytest.param("sqlite", marks=pytest.mark.sqlite, id="sqlite"),
    pytest.param("postgresql", marks=pytest.mark.postgres, id="postgresql"),  # marker registered in pyproject
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite: storage test on the SQLite backend")


def _libpq(url: URL) -> str:
    """A libpq conninfo URL (no SQLAlchemy driver suffix) for psycopg.connect."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_admin_url() -> URL:
    """A reachable PostgreSQL database to issue CREATE/DROP DATABASE from; fails if none."""
    override = os.environ.get("TUTOR_TEST_POSTGRES_URL")
    candidates = (override,) if override else PG_CANDIDATES
    errors = []
    for candidate in candidates:
        url = make_url(candidate)
        try:
            with psycopg.connect(_libpq(url), connect_timeout=5) as conn:
                conn.execute("SELECT 1")
            return url
        except psycopg.Error as exc:
            errors.append(f"  {url.render_as_string(hide_password=True)}: {exc}".rstrip())
    pytest.fail(
        "PostgreSQL is required for the storage tests but none could be reached:\n"
        + "\n".join(errors)
        + "\nStart PostgreSQL or set TUTOR_TEST_POSTGRES_URL; run `-m sqlite` for SQLite only.",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def pg_database_url(pg_admin_url: URL) -> Iterator[URL]:
    """A scratch database for this pytest run, dropped at the end."""
    name = f"tutor_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(pg_admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_admin_url.set(drivername="postgresql+psycopg", database=name)
    finally:
        with psycopg.connect(_libpq(pg_admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_schema_url(pg_database_url: URL) -> Iterator[URL]:
    """A fresh, empty schema (first on the search_path) for one test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(pg_database_url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield pg_database_url.update_query_dict({"options": f"-csearch_path={schema}"})
    finally:
        with psycopg.connect(_libpq(pg_database_url), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> URL:
    """An empty database on each backend (not migrated yet)."""
    if request.param == "sqlite":
        return make_url(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tutor.db'}")
    url: URL = request.getfixturevalue("pg_schema_url")
    return url


@pytest_asyncio.fixture
async def engine(db_url: URL) -> AsyncIterator[AsyncEngine]:
    """A migrated database (via `upgrade()`) and an engine on it."""
    await upgrade(db_url)
    eng = create_engine(db_url)
    if eng.dialect.name == "sqlite":
        async with eng.connect() as conn:
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
        assert mode == "wal", f"SQLite must run in WAL mode, got {mode!r}"
    try:
        yield eng
    finally:
        await eng.dispose()


@pytest.fixture
def session_maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest_asyncio.fixture
async def session(
    session_maker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One session; tests commit when they want to prove something survives a commit."""
    async with session_maker() as s:
        yield s


class Seed:
    """Terse row builders for tests (results can be back-dated, which the repository never does)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def user(self, name: str) -> int:
        user = await repo.get_or_create_user(self.session, f"console:{name}", name)
        assert user.id is not None
        return user.id

    async def guild(self, name: str) -> int:
        guild = await repo.get_or_create_guild(self.session, f"g-{name}", name)
        assert guild.id is not None
        return guild.id

    async def submission(self, user_id: int, challenge_id: str, *, guild_id: int | None = None) -> int:
        sub = await repo.create_submission(
            self.session,
            user_id=user_id,
            guild_id=guild_id,
            challenge_id=challenge_id,
            filename="solution.py",
            code="print('hi')",
        )
        assert sub.id is not None
        return sub.id

    async def result(
        self,
        user_id: int,
        challenge_id: str,
        points: int,
        *,
        passed: bool | None = None,
        at: datetime | None = None,
        guild_id: int | None = None,
        status: str | None = None,
    ) -> Result:
        """A graded submission; `at` back-dates the result (inserted directly, like a migration
        of old data would)."""
        passed = points > 0 if passed is None else passed
        status = status or ("passed" if passed else "failed")
        sub_id = await self.submission(user_id, challenge_id, guild_id=guild_id)
        if at is None:
            return await repo.record_result(
                self.session, sub_id, status=status, passed=passed, score=float(points),
                tier=None, points=points, metrics={}, checks=[], runtime_s=0.1,
                stdout="", stderr="",
            )  # fmt: skip
        row = Result(
            submission_id=sub_id, challenge_id=challenge_id, user_id=user_id,
            guild_id=guild_id, status=status, passed=passed, score=float(points),
            points=points, created_at=at,
        )  # fmt: skip
        self.session.add(row)
        await self.session.flush()
        return row

    async def quiz(
        self, user_id: int, quiz_id: str, points: int, *, at: datetime | None = None,
        guild_id: int | None = None,
    ) -> None:  # fmt: skip
        attempt = await repo.record_quiz_attempt(
            self.session, user_id=user_id, quiz_id=quiz_id, answers=[0, 1], correct=2,
            total=2, passed=points > 0, points=points, guild_id=guild_id,
        )  # fmt: skip
        if at is not None:
            attempt.created_at = at
            await self.session.flush()


@pytest.fixture
def seed(session: AsyncSession) -> Seed:
    return Seed(session)
