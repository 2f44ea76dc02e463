"""A restart of the one-machine setup (in-process pool, SQLite) loses nothing: jobs queued or
running when the service stopped are taken up again on start, and every verdict still reaches
the message it belongs to."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from bot.app import tutor_service
from bot.service import Who
from bot.settings import Settings
from storage.models import GradingJob, Submission

CONTENT = Path(__file__).resolve().parents[2] / "challenges" / "content"
SLOW = b"import time\ntime.sleep(4)\n" + (CONTENT / "install_command" / "reference.py").read_bytes()


async def test_jobs_queued_and_running_survive_a_restart(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tutor.db'}",  # type: ignore[call-arg]
                        submit_cooldown_s=0.0, job_memory_mb=1024, sandbox_pool_size=1, relay_poll_s=0.5)
    learners = [Who(f"restart:{n}", f"Learner {n}") for n in range(3)]
    async with tutor_service(settings) as service:
        ids = [await service.enqueue_files(who, None, "install-command", [("slow.py", SLOW)],
                                           reply={"via": "test", "message": f"m{n}"})
               for n, who in enumerate(learners)]
        for _ in range(100):
            async with service.sessions() as session:
                first = await session.get(Submission, ids[0])
            if first is not None and first.status == "running":
                break
            await asyncio.sleep(0.1)
        assert first is not None and first.status == "running"
    async with tutor_service(settings) as service:  # the pool died with the process; the rows did not
        pending = await service.pending_deliveries("test")
        assert sorted(p.submission_id for p in pending) == ids
        verdicts = {p.reply["message"]: await asyncio.wait_for(service.follow(p.submission_id), 120) for p in pending}
        assert {m: v.report.status for m, v in verdicts.items()} == {"m0": "passed", "m1": "passed", "m2": "passed"}
        for p in pending:
            await service.mark_delivered(p.submission_id)
        assert await service.pending_deliveries("test") == []
        async with service.sessions() as session:
            jobs = {j.submission_id: j for j in (await session.execute(select(GradingJob))).scalars()}
        assert jobs[ids[0]].attempts == 2 and jobs[ids[2]].attempts == 1
        assert all(j.active_user_id is None for j in jobs.values())
