"""Wiring: build the service and its parts from the settings (shared by every face)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.service import TutorService
from bot.settings import Settings
from challenges.catalogue import Catalogue, load_catalogue
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


def widest_threads(catalogue: Catalogue) -> int:
    """The largest thread count a challenge's job asks for: what the default pool size is cut for."""
    return max((c.spec.limits.threads for c in catalogue if c.spec.kind != "quiz"), default=1)


def build_sandbox(settings: Settings, catalogue: Catalogue | None = None, *, size: int | None = None,
                  pin_cores: bool | None = None) -> Sandbox:
    """The grading sandbox; its pool size is the setting, else what the catalogue's widest job fits."""
    config = settings.pool_config(widest_threads(catalogue or load_catalogue()), size=size, pin_cores=pin_cores)
    return Sandbox(unsafe=settings.sandbox_unsafe, slots=config.size, hide_paths=sandbox_hidden_paths(settings),
                   pool=grading_pool(config))


@asynccontextmanager
async def tutor_service(settings: Settings) -> AsyncIterator[TutorService]:
    """Migrate the database, then yield a ready service; stop the warm pool and dispose of the
    engine afterwards (each zygote holds about a gigabyte)."""
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    catalogue = load_catalogue()
    sandbox = build_sandbox(settings, catalogue)
    try:
        dispatcher = LocalDispatcher(sandbox, concurrency=sandbox.slots, base_limits=settings.job_limits())
        service = TutorService(settings, catalogue, session_factory(engine), dispatcher)
        await service.close_stale()
        yield service
    finally:
        sandbox.close()
        await engine.dispose()
