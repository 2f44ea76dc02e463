"""A real tutor service for the foundation tests: a temporary SQLite database, the real
catalogue, and the real kernel sandbox (the tests run as root, like the worker)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest_asyncio

from bot.app import tutor_service
from bot.service import TutorService
from bot.settings import Settings


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tutor.db'}",
        "submit_cooldown_s": 0.0,
        "job_memory_mb": 1024,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def service(tmp_path: Path) -> AsyncIterator[TutorService]:
    async with tutor_service(make_settings(tmp_path)) as svc:
        yield svc


@pytest_asyncio.fixture
async def pg_service(tmp_path: Path) -> AsyncIterator[TutorService]:
    """The same service on the machine's PostgreSQL server, in a scratch database."""
    name = f"tutor_svc_{uuid.uuid4().hex[:10]}"
    admin = "postgresql://postgres@127.0.0.1:5432/test"
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.Error:
        admin = "postgresql://root@127.0.0.1:5432/test"
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    user = admin.split("//", 1)[1].split("@", 1)[0]
    try:
        settings = make_settings(tmp_path, database_url=f"postgresql+psycopg://{user}@127.0.0.1:5432/{name}")
        async with tutor_service(settings) as svc:
            yield svc
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
