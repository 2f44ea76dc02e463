"""A real tutor service for the foundation tests: a temporary SQLite database, the real
catalogue, and the real kernel sandbox (the tests run as root, like the worker)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.app import tutor_service
from bot.service import TutorService
from bot.settings import Settings


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tutor.db'}",
        "submit_cooldown_s": 0.0,
        "job_memory_mb": 1024,
        "job_startup_s": 60.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def service(tmp_path: Path) -> AsyncIterator[TutorService]:
    async with tutor_service(make_settings(tmp_path)) as svc:
        yield svc
