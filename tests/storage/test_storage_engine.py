"""Engine settings, migrations and UTC handling on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import SQLModel

from storage import repository as repo
from storage.engine import (
    alembic_config,
    create_engine,
    downgrade,
    upgrade,
)
from storage.models import Result, User

pytestmark = pytest.mark.asyncio


def _diffs(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migrated_schema_matches_models(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await conn.run_sync(_diffs) == []


async def test_migrations_at_head_and_rerunnable(engine: AsyncEngine, db_url: URL) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    await upgrade(db_url)  # a second upgrade is a no-op
    async with engine.connect() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    assert version == head == "0005"


async def test_downgrade_to_base_and_back(engine: AsyncEngine, db_url: URL) -> None:
    await downgrade(db_url, "base")
    async with engine.connect() as conn:
        assert await conn.run_sync(_tables) <= {"alembic_version"}
    await upgrade(db_url)
    async with engine.connect() as conn:
        assert {"users", "results", "quiz_attempts"} <= await conn.run_sync(_tables)
        assert await conn.run_sync(_diffs) == []


@pytest.mark.sqlite
async def test_sqlite_pragmas_and_parent_dir(tmp_path: Path) -> None:
    db = tmp_path / "nested" / "deeper" / "tutor.db"
    engine = create_engine(f"sqlite:///{db}")  # plain URL: aiosqlite is picked for us
    try:
        async with engine.connect() as conn:
            pragma = {
                name: (await conn.execute(text(f"PRAGMA {name}"))).scalar_one()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
        assert pragma == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 10_000,
        }
        assert db.exists()
    finally:
        await engine.dispose()


async def test_foreign_keys_enforced(session: AsyncSession) -> None:
    with pytest.raises(IntegrityError):
        await repo.create_submission(session, user_id=999_999, challenge_id="c", filename="f.py", code="")


async def test_datetimes_are_utc_aware_on_both_backends(
    session_maker: async_sessionmaker[AsyncSession],
) -> None:
    plus_two = timezone(timedelta(hours=2))
    local = datetime(2024, 3, 1, 14, 30, 15, 123456, tzinfo=plus_two)
    async with session_maker.begin() as session:
        user = User(discord_id="tz", display_name="tz", created_at=local)
        session.add(user)
    async with session_maker() as session:
        loaded = await repo.get_user(session, "tz")
        assert loaded is not None
        assert loaded.created_at.tzinfo is UTC
        assert loaded.created_at == local
        assert loaded.created_at.hour == 12
        # a default timestamp is aware too, and close to now
        other = await repo.get_or_create_user(session, "now", "now")
        await session.commit()
    async with session_maker() as session:
        fresh = await repo.get_user(session, "now")
        assert fresh is not None
        assert fresh.created_at.tzinfo is UTC
        assert abs(datetime.now(UTC) - fresh.created_at) < timedelta(minutes=1)
        assert fresh.id == other.id


async def test_naive_datetimes_are_refused(session: AsyncSession) -> None:
    session.add(User(discord_id="naive", display_name="n", created_at=datetime(2024, 1, 1)))
    with pytest.raises(StatementError, match="naive datetime"):
        await session.flush()


async def test_results_are_immutable_at_orm_level(session: AsyncSession) -> None:
    user = await repo.get_or_create_user(session, "u", "u")
    assert user.id is not None
    sub = await repo.create_submission(session, user_id=user.id, challenge_id="c1", filename="a.py", code="x")
    assert sub.id is not None
    result = await repo.record_result(
        session, sub.id, status="passed", passed=True, score=1.0, tier="gold", points=10,
        metrics={}, checks=[], runtime_s=1.0, stdout="", stderr="",
    )  # fmt: skip
    await session.commit()
    result_id = result.id
    result.points = 1000
    from storage.errors import ImmutableRow

    with pytest.raises(ImmutableRow):
        await session.flush()
    await session.rollback()
    reloaded = await session.get(Result, result_id, populate_existing=True)
    assert reloaded is not None and reloaded.points == 10
