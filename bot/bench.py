"""``tutor bench grading``: where a graded submission's time goes, per kind, on a warm pool.

For one challenge of each kind, our reference is graded several times through the real path
(lint, the kind's exchange, the sandbox, evaluation, baseline) and its result stored in a
throw-away SQLite database, as the service does. Reported side by side: the median time inside
the learner's own code (from the job's first announced phase to its last message, less the
trusted side's own work while the job waited) and the median overhead outside it (data
generation, transfer, fork and isolation, prediction plumbing, scoring, baseline, storage). The
first run of each challenge warms caches (training split, fitted baseline) and is not counted.

``tutor bench fairness``: whether a job's training speed depends on its neighbours (our
reference's metric and steps alone, then with the pool full, on one pool).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from challenges.catalogue import Catalogue, Challenge
from challenges.kinds.base import Submission
from challenges.verdict import Report
from sandbox.core.job import Limits
from sandbox.core.supervisor import Sandbox
from sandbox.driver import grade
from storage import repository as repo
from storage.engine import create_engine, session_factory, upgrade

#: The challenge benchmarked for each kind (the first of the catalogue when one is missing).
PREFERRED = {"trained": "shapes-classifier", "functions": "install-command", "files": "dockerfile-cpu-slim"}


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


async def _store(sessions: Any, report: Report) -> None:
    async with sessions() as session:
        user = await repo.get_or_create_user(session, "bench", "bench")
        assert user.id is not None
        submission = await repo.create_submission(session, user_id=user.id, guild_id=None,
                                                  challenge_id=report.challenge, filename="bench.py", code="")
        assert submission.id is not None
        await repo.record_result(session, submission.id, status=report.status, passed=report.passed,
                                 score=report.score, tier=report.tier, points=report.points, metrics=report.metrics,
                                 checks=[c.to_dict() for c in report.checks], runtime_s=report.runtime_s,
                                 stdout=report.stdout, stderr=report.stderr)
        await repo.finish_submission(session, submission.id, report.status)
        await session.commit()


async def run_grading_bench(catalogue: Catalogue, sandbox: Sandbox, limits: Limits, *, n: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade(url)
        engine = create_engine(url)
        sessions = session_factory(engine)
        results: dict[str, Any] = {}
        try:
            for kind in ("trained", "functions", "files"):
                challenge = catalogue.get(PREFERRED[kind]) or next((c for c in catalogue if c.spec.kind == kind), None)
                if challenge is None:
                    continue
                inside: list[float] = []
                outside: list[float] = []
                statuses: list[str] = []
                for i in range(n + 1):
                    started = time.perf_counter()
                    report = await grade(challenge, Submission(challenge.reference_files), sandbox, base_limits=limits)
                    await _store(sessions, report)
                    total_ms = (time.perf_counter() - started) * 1000
                    statuses.append(report.status)
                    if i == 0:
                        continue  # warms the training split and the fitted baseline
                    in_ms = float(report.timings.get("inside_ms", 0.0))
                    inside.append(in_ms)
                    outside.append(total_ms - in_ms)
                results[kind] = {"challenge": challenge.id, "n": len(inside), "statuses": sorted(set(statuses)),
                                 "inside_ms_median": _median(inside), "outside_ms_median": _median(outside),
                                 "outside_ms_max": round(max(outside), 1) if outside else None}
        finally:
            await sandbox.idle()
            await engine.dispose()
    return results


# --------------------------------------------------------------------------- tutor bench queue


def _scratch_database(admin_url: str) -> tuple[str, str]:
    """(name, SQLAlchemy URL) of a new scratch database on the server of ``admin_url``."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    name = f"tutor_bench_{uuid.uuid4().hex[:10]}"
    admin = make_url(admin_url).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, admin.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


def _drop_database(admin_url: str, name: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _queue_round(base: Any, admin_url: str, challenge_id: str, *, workers: int, concurrency: int, n: int,
                       sequential: bool) -> dict[str, Any]:
    """One setting: ``workers`` `tutor worker` processes, then ``n`` reference submissions (all at
    once, or one after the other) from distinct learners, followed to their verdicts."""
    import asyncio
    import os
    import signal
    import subprocess
    import sys

    from bot.app import tutor_service
    from bot.service import Who

    name, url = _scratch_database(admin_url)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        await upgrade(url)
        env = {k: v for k, v in os.environ.items() if k != "TUTOR_DISCORD_TOKEN"}
        env.update(TUTOR_DATABASE_URL=url, TUTOR_QUEUE="postgres", TUTOR_WORKER_POLL_S="0.5")
        for i in range(workers):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "worker", "--concurrency", str(concurrency), "--name", f"bench{i}"],
                env={**env, "TUTOR_SANDBOX_UID_BASE": str(63000 + 100 * i)}, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL))
        settings = base.model_copy(update={"database_url": url, "queue": "postgres", "submit_cooldown_s": 0.0,
                                           "relay_poll_s": 0.5})
        async with tutor_service(settings) as service:
            challenge = service.challenge(challenge_id)
            source = next(iter(challenge.reference_files.values())).encode()
            metric = getattr(getattr(challenge.config, "metric", None), "name", None)

            async def one(i: int, tag: str) -> Any:
                return await service.submit(Who(f"bench:{tag}{i}", f"{tag}{i}"), None, challenge.id, "reference.py", source)

            await asyncio.gather(*(one(i, "warm") for i in range(workers * concurrency)))  # pools warm, workers up
            started = time.perf_counter()
            if sequential:
                verdicts = [await one(i, "run") for i in range(n)]
            else:
                verdicts = list(await asyncio.gather(*(one(i, "run") for i in range(n))))
            elapsed = time.perf_counter() - started
        values = [float(v.report.metrics.get(metric, float("nan"))) for v in verdicts] if metric else []
        return {"workers": workers, "concurrency": concurrency, "sequential": sequential, "n": n,
                "seconds": round(elapsed, 1), "jobs_per_minute": round(n / elapsed * 60, 2),
                "statuses": sorted({v.report.status for v in verdicts}), "metric": metric,
                "metric_median": round(statistics.median(values), 4) if values else None,
                "metric_min": round(min(values), 4) if values else None}
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        _drop_database(admin_url, name)


async def run_queue_bench(base: Any, admin_url: str, *, challenge_id: str = "shapes-classifier", n: int = 6,
                          concurrency: int = 2) -> dict[str, Any]:
    """Jobs per minute through the PostgreSQL queue with 1 and 2 workers (each a full pool of
    ``concurrency`` slots), and the challenge's metric for a job graded alone (one at a time)
    vs with the pool full."""
    alone = await _queue_round(base, admin_url, challenge_id, workers=1, concurrency=1, n=max(2, n // 2),
                               sequential=True)
    one = await _queue_round(base, admin_url, challenge_id, workers=1, concurrency=concurrency, n=n, sequential=False)
    two = await _queue_round(base, admin_url, challenge_id, workers=2, concurrency=concurrency, n=n, sequential=False)
    return {"challenge": challenge_id, "alone": alone, "one_worker": one, "two_workers": two}
# --------------------------------------------------------------------------- fairness


async def _graded_with_steps(challenge: Challenge, sandbox: Sandbox, limits: Limits) -> dict[str, Any]:
    """Grade our reference once; its metric, the training steps it reached and its time."""
    steps = 0

    async def on_event(event: dict[str, Any]) -> None:
        nonlocal steps
        if event.get("type") == "progress" and isinstance(event.get("step"), int):
            steps = max(steps, int(event["step"]))

    report = await grade(challenge, Submission(challenge.reference_files), sandbox, base_limits=limits, on_event=on_event)
    metric = next(iter(report.metrics), "")  # the primary metric comes first
    return {"status": report.status, "metric_name": metric, "metric": report.metrics.get(metric), "steps": steps,
            "runtime_s": round(report.runtime_s, 2)}


def _side(runs: list[dict[str, Any]]) -> dict[str, Any]:
    metrics = [float(r["metric"]) for r in runs if r["metric"] is not None]
    steps = [float(r["steps"]) for r in runs]
    return {"n": len(runs), "statuses": sorted({r["status"] for r in runs}),
            "metric_median": round(statistics.median(metrics), 4) if metrics else None,
            "metric_min": round(min(metrics), 4) if metrics else None,
            "steps_median": _median(steps), "steps_min": min(steps) if steps else None}


async def run_fairness_bench(challenge: Challenge, sandbox: Sandbox, limits: Limits, *, n: int = 3) -> dict[str, Any]:
    """Our reference's metric and training steps alone (one job at a time, ``n`` times) and with
    the pool full (``sandbox.slots`` copies at once, ``n`` rounds), side by side on one pool: with
    each job on cores of its own the two sides match; unpinned on shared cores they do not."""
    try:
        await _graded_with_steps(challenge, sandbox, limits)  # warms the training split, the baseline, a spare
        alone = [await _graded_with_steps(challenge, sandbox, limits) for _ in range(n)]
        full: list[dict[str, Any]] = []
        for _ in range(n):
            full += await asyncio.gather(*(_graded_with_steps(challenge, sandbox, limits) for _ in range(sandbox.slots)))
    finally:
        await sandbox.idle()
    return {"challenge": challenge.id, "pool_size": sandbox.slots, "pinning": sandbox.pinning,
            "lanes": [list(lane) for lane in sandbox.lanes.lanes.lanes], "shared_cores": sandbox.shared_cores,
            "threads": challenge.spec.limits.threads, "alone": _side(alone), "full": _side(full)}
