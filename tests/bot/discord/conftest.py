"""Fixtures for the Discord front end: the real `TutorBot` over a real tutor service (temporary
SQLite database, real catalogue, real kernel sandbox), driven through SimCord 3.2.1's offline
Discord (`simcord_bot` / `simcord_env` from its pytest plugin).

Grading runs the real sandbox in a subprocess, which SimCord cannot see into: the bot's
`job_runner` seam hands each grading coroutine to a worker task owned by the test (outside the
bot's tracked work) and waits for it with `env.external_wait`, SimCord's declared way to wait on
external input. Production awaits the coroutine directly (`client.run_directly`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from jsonschema import Draft202012Validator
from render_support import embed_validator
from simcord_helpers import GradingWorker, discord_settings

from bot.app import tutor_service
from bot.discord.client import TutorBot
from bot.service import TutorService
from bot.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return discord_settings(tmp_path)


@pytest_asyncio.fixture
async def tutor_svc(settings: Settings) -> AsyncIterator[TutorService]:
    async with tutor_service(settings) as service:
        yield service


@pytest_asyncio.fixture
async def worker() -> AsyncIterator[GradingWorker]:
    w = GradingWorker()
    yield w
    await w.stop()


@pytest.fixture
def simcord_bot(tutor_svc: TutorService, settings: Settings, worker: GradingWorker) -> TutorBot:
    return TutorBot(tutor_svc, settings, job_runner=worker.run)


@pytest.fixture(scope="session")
def embed_schema() -> Draft202012Validator:
    """Discord's `RichEmbed` schema (the vendored OpenAPI spec)."""
    return embed_validator()
