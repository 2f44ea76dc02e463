"""Wiring: build the service and its parts from the settings (shared by every face)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.relay import Relay
from bot.service import TutorService
from bot.settings import Settings
from challenges.catalogue import Catalogue, load_catalogue
from sandbox.core.container import delegate_cgroups
from sandbox.core.supervisor import Sandbox
from sandbox.dispatch import Dispatcher, LocalDispatcher
from sandbox.driver import grading_pool
from sandbox.jobs import GradingJobs
from storage.engine import create_engine, session_factory, upgrade
from storage.jobs import SqlJobStore

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
    """The grading sandbox; its pool size is the setting, else what the catalogue's widest job fits.
    In a container, first make the container's cgroup subtree the jail's (a failure to do so
    becomes one of the reasons ``Sandbox.refusal`` gives)."""
    delegation = [] if settings.sandbox_unsafe or not settings.sandbox_in_container else delegate_cgroups()
    config = settings.pool_config(widest_threads(catalogue or load_catalogue()), size=size, pin_cores=pin_cores)
    sandbox = Sandbox(unsafe=settings.sandbox_unsafe, slots=config.size, hide_paths=sandbox_hidden_paths(settings),
                      pool=grading_pool(config))
    sandbox.problems.extend(delegation)
    return sandbox


def grading_jobs(settings: Settings, sandbox: Sandbox, sessions: async_sessionmaker[AsyncSession],
                 catalogue: Callable[[], Catalogue], *, worker: str = "local", relay: Relay | None = None) -> GradingJobs:
    """The jobs one warm pool runs, recording through the database (and poking ``relay``)."""
    store = SqlJobStore(sessions, on_change=relay.poke if relay is not None else None)
    return GradingJobs(store, sandbox, settings.job_limits(), catalogue, worker=worker, poll_s=settings.job_poll_s)


@asynccontextmanager
async def tutor_service(settings: Settings) -> AsyncIterator[TutorService]:
    """Migrate the database, then yield a ready service whose dispatcher is the in-process pool
    (``TUTOR_QUEUE=local``) or the PostgreSQL queue (``postgres``: workers grade); jobs left
    queued or running are taken up again. Afterwards stop the pool (each zygote holds about a
    gigabyte), the relay and the engine."""
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    catalogue = load_catalogue()
    relay = Relay(settings.database_url, poll_s=settings.relay_poll_s)
    sandbox: Sandbox | None = None
    dispatcher: Dispatcher
    service: TutorService | None = None
    try:
        if settings.queue == "postgres":
            from sandbox.queue import QueueDispatcher, build_app, ensure_schema

            app = build_app(settings.database_url, retries=settings.job_retries)
            await app.open_async()
            await ensure_schema(app, settings.database_url)
            dispatcher = QueueDispatcher(app)
        else:
            sandbox = build_sandbox(settings, catalogue)
            jobs = grading_jobs(settings, sandbox, sessions, lambda: service.catalogue if service else catalogue,
                                relay=relay)
            dispatcher = LocalDispatcher(jobs, concurrency=sandbox.slots, retries=settings.job_retries)
        service = TutorService(settings, catalogue, sessions, dispatcher, relay)
        relay.start()
        await service.resume()
        yield service
    finally:
        if service is not None:
            await service.dispatcher.close()
        await relay.close()
        if sandbox is not None:
            sandbox.close()
        await engine.dispose()
