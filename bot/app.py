"""Wiring: build the service and its parts from the settings (shared by every face)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.service import TutorService
from bot.settings import Settings
from challenges.catalogue import load_catalogue
from sandbox.core.container import delegate_cgroups
from sandbox.core.supervisor import Sandbox
from sandbox.dispatch import LocalDispatcher
from sandbox.driver import grading_pool
from storage.engine import create_engine, session_factory, upgrade

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def sandbox_hidden_paths(settings: Settings) -> list[str]:
    """Host paths a job must never see: the database's folder and the settings file."""
    hidden = [str(PROJECT_ROOT / "data"), str(PROJECT_ROOT / ".env"), str(Path.cwd() / ".env")]
    url = settings.database_url
    if url.startswith("sqlite") and ":///" in url:
        db_path = Path(url.split(":///", 1)[1]).resolve()
        hidden.append(str(db_path.parent))
    return sorted(set(hidden))


def build_sandbox(settings: Settings) -> Sandbox:
    """The warm pool; in a container, first make the container's cgroup subtree the jail's (a
    failure to do so becomes one of the reasons ``Sandbox.refusal`` gives)."""
    delegation = [] if settings.sandbox_unsafe or not settings.sandbox_in_container else delegate_cgroups()
    sandbox = Sandbox(unsafe=settings.sandbox_unsafe, slots=settings.sandbox_pool_size,
                      hide_paths=sandbox_hidden_paths(settings), pool=grading_pool(settings.pool_config()))
    sandbox.problems.extend(delegation)
    return sandbox


@asynccontextmanager
async def tutor_service(settings: Settings) -> AsyncIterator[TutorService]:
    """Migrate the database, then yield a ready service; stop the warm pool and dispose of the
    engine afterwards (each zygote holds about a gigabyte)."""
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    sandbox = build_sandbox(settings)
    try:
        dispatcher = LocalDispatcher(sandbox, concurrency=settings.sandbox_pool_size, base_limits=settings.job_limits())
        service = TutorService(settings, load_catalogue(), session_factory(engine), dispatcher)
        await service.close_stale()
        yield service
    finally:
        sandbox.close()
        await engine.dispose()
