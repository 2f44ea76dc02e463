"""Grading as a job on PostgreSQL: two real `tutor worker` processes, the bot-side service
(``TUTOR_QUEUE=postgres``, no pool of its own) and the relay, on a scratch database.

100 submissions from 20 users are graded exactly once each, in per-user order, none lost; a
duplicate enqueue is ignored; a cancel reaches a job running in another process; a bot restart
while jobs are queued and running loses no verdict; the console loop works against the workers;
and a worker killed with SIGKILL mid-job leaves its job to be finished by the other.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.app import tutor_service
from bot.errors import Cancelled
from bot.service import TutorService, Where, Who
from bot.settings import Settings
from storage.models import GradingJob, Result, Submission

pytestmark = pytest.mark.postgres

CONTENT = Path(__file__).resolve().parents[2] / "challenges" / "content"
REFERENCE = (CONTENT / "install_command" / "reference.py").read_bytes()
#: The reference, but it takes a few seconds to load: long enough to be caught mid-job.
SLOW = b"import time\ntime.sleep(6)\n" + REFERENCE
GUILD = Where("queue:guild", "Queue Guild")
ADMINS = ("postgresql://postgres@127.0.0.1:5432/test", "postgresql://root@127.0.0.1:5432/test")


def _admin() -> str:
    for url in ADMINS:
        try:
            with psycopg.connect(url, connect_timeout=5) as conn:
                conn.execute("SELECT 1")
            return url
        except psycopg.Error:
            continue
    pytest.fail("PostgreSQL is required (127.0.0.1:5432, database `test`) but could not be reached", pytrace=False)


@dataclass
class Cluster:
    """A scratch database and the worker processes grading from it."""

    url: str
    tmp: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
        env.update(TUTOR_DATABASE_URL=self.url, TUTOR_QUEUE="postgres", TUTOR_WORKER_HEARTBEAT_S="1",
                   TUTOR_WORKER_STALLED_S="4", TUTOR_WORKER_POLL_S="1", TUTOR_JOB_POLL_S="0.3",
                   TUTOR_JOB_MEMORY_MB="1024", TUTOR_SANDBOX_SPARE_SLOTS="1", TUTOR_SUBMIT_COOLDOWN_S="0", **extra)
        return env

    def start_worker(self, index: int) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"worker{index}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "worker", "--queues", "cpu", "--concurrency", "2", "--name", f"w{index}"],
            env=self.env(TUTOR_SANDBOX_UID_BASE=str(62000 + 100 * index)),
            stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[2],
        )
        self.workers.append(proc)
        return proc

    def settings(self, **overrides: object) -> Settings:
        values: dict[str, object] = {"database_url": self.url, "queue": "postgres", "relay_poll_s": 1.0,
                                     "submit_cooldown_s": 0.0, "verdict_pictures_dir": str(self.tmp / "pics")}
        return Settings(_env_file=None, **{**values, **overrides})  # type: ignore[arg-type]

    def wait_ready(self, timeout: float = 240) -> None:
        """Until every worker has its warm pool up and says so (its startup line): on a busy host a
        zygote takes tens of seconds, and a test that starts before would see one worker do it all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            dead = [p for p in self.workers if p.poll() is not None]
            assert not dead, f"a worker exited at start: {self.logs()}"
            logs = [p.read_text(errors="replace") for p in sorted(self.tmp.glob("worker*.log"))]
            if len(logs) == len(self.workers) and all(": queues " in log for log in logs):
                return
            time.sleep(0.5)
        raise AssertionError(f"the workers did not start within {timeout:.0f} s: {self.logs()}")

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.tmp.glob("worker*.log")))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    admin = _admin()
    name = f"tutor_queue_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    user = admin.split("//", 1)[1].split("@", 1)[0]
    found = Cluster(f"postgresql+psycopg://{user}@127.0.0.1:5432/{name}", tmp_path_factory.mktemp("queue"))
    from storage.engine import upgrade_sync

    upgrade_sync(found.url)
    try:
        for index in (1, 2):
            found.start_worker(index)
        found.wait_ready()
        yield found
    finally:
        for proc in found.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in found.workers:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest_asyncio.fixture
async def bot_service(cluster: Cluster) -> AsyncIterator[TutorService]:
    async with tutor_service(cluster.settings()) as service:
        yield service


async def _rows(service: TutorService) -> tuple[list[Submission], list[Result], dict[int, GradingJob]]:
    async with service.sessions() as session:
        subs = list((await session.execute(select(Submission).order_by(Submission.id))).scalars())  # type: ignore[arg-type]
        results = list((await session.execute(select(Result).order_by(Result.id))).scalars())  # type: ignore[arg-type]
        jobs = {j.submission_id: j for j in (await session.execute(select(GradingJob))).scalars()}
    return subs, results, jobs


async def _wait_running(service: TutorService, submission_id: int, timeout: float = 90) -> GradingJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with service.sessions() as session:
            sub = await session.get(Submission, submission_id)
            job = await session.get(GradingJob, submission_id)
        if sub is not None and job is not None and sub.status == "running" and job.worker:
            return job
        await asyncio.sleep(0.2)
    raise AssertionError(f"submission {submission_id} never started")


async def test_hundred_submissions_from_twenty_users_graded_once_in_order(bot_service: TutorService,
                                                                          cluster: Cluster) -> None:
    events: dict[str, list[str]] = {}

    async def learner(n: int) -> list[int]:
        who = Who(f"queue:user{n}", f"User {n}")
        ids = []
        for _ in range(5):
            kinds: list[str] = []
            verdict = await bot_service.submit(who, GUILD, "install-command", "solution.py", REFERENCE,
                                               on_event=lambda e, k=kinds: k.append(str(e["type"])))
            assert verdict.report.passed, (verdict.report.status, verdict.report.checks[:2], cluster.logs())
            events[f"{n}:{verdict.submission_id}"] = kinds
            ids.append(verdict.submission_id)
        return ids

    started = time.monotonic()
    per_user = await asyncio.wait_for(asyncio.gather(*(learner(n) for n in range(20))), 600)
    elapsed = time.monotonic() - started
    subs, results, jobs = await _rows(bot_service)
    assert len(subs) == len(results) == 100, cluster.logs()
    assert sorted(r.submission_id for r in results) == sorted(s.id for s in subs)
    assert all(j.attempts == 1 for j in jobs.values()), {k: j.attempts for k, j in jobs.items() if j.attempts != 1}
    assert {j.worker for j in jobs.values()} == {"w1", "w2"}, "both workers graded"
    by_id = {r.submission_id: r for r in results}
    for ids in per_user:
        assert ids == sorted(ids)
        stamps = [by_id[i].created_at for i in ids]
        assert stamps == sorted(stamps), "one user's verdicts came out of order"
    # A follower relays what it sees of the rows: a job that finished between two polls goes
    # straight to its verdict. What it relays is in lifecycle order, and the queue position and
    # the start do reach followers.
    order = {"queued": 0, "started": 1}
    for kinds in events.values():
        seen = [order[k] for k in kinds if k in order]
        assert seen == sorted(seen), kinds
    assert any("queued" in kinds for kinds in events.values())
    assert any("started" in kinds for kinds in events.values())
    print(f"100 submissions in {elapsed:.1f} s ({100 / elapsed * 60:.0f} jobs/min)")


async def test_duplicate_enqueue_is_ignored(bot_service: TutorService) -> None:
    who = Who("queue:dup", "Dup")
    submission_id = await bot_service.enqueue_files(who, GUILD, "install-command", [("solution.py", REFERENCE)])
    user_id = (await _rows(bot_service))[2][submission_id].user_id
    for _ in range(3):  # the same job handed over again, while queued, running and after
        await bot_service.dispatcher.enqueue(submission_id, queue="cpu", user_id=user_id)
    verdict = await bot_service.follow(submission_id)
    await bot_service.dispatcher.enqueue(submission_id, queue="cpu", user_id=user_id)
    await asyncio.sleep(3)
    _, results, jobs = await _rows(bot_service)
    assert verdict.report.passed
    assert [r.submission_id for r in results].count(submission_id) == 1
    assert jobs[submission_id].attempts == 1, "a duplicate ran the job again"


async def test_cancel_reaches_a_job_on_another_process(bot_service: TutorService) -> None:
    who = Who("queue:canceller", "Canceller")
    submission_id = await bot_service.enqueue_files(who, GUILD, "install-command", [("slow.py", SLOW)])
    await _wait_running(bot_service, submission_id)
    asked = time.monotonic()
    assert await bot_service.cancel(who, submission_id)
    with pytest.raises(Cancelled):
        await asyncio.wait_for(bot_service.follow(submission_id), 30)
    assert time.monotonic() - asked < 5, "the worker did not see the cancel request promptly"
    subs, results, jobs = await _rows(bot_service)
    assert next(s for s in subs if s.id == submission_id).status == "cancelled"
    assert submission_id not in {r.submission_id for r in results}
    assert jobs[submission_id].active_user_id is None, "the gate stayed closed"
    verdict = await bot_service.submit(who, GUILD, "install-command", "solution.py", REFERENCE)
    assert verdict.report.passed


async def test_restart_with_jobs_queued_and_running_loses_no_verdict(cluster: Cluster) -> None:
    learners = [Who(f"queue:restart{n}", f"Restart {n}") for n in range(6)]
    async with tutor_service(cluster.settings()) as service:
        ids = [await service.enqueue_files(who, GUILD, "install-command", [("slow.py", SLOW)],
                                           reply={"via": "test", "message": f"m{n}"})
               for n, who in enumerate(learners)]
        await _wait_running(service, ids[0])
    # The bot is down: workers carry on. It comes back and finds every verdict still owed.
    async with tutor_service(cluster.settings()) as service:
        pending = await service.pending_deliveries("test")
        assert sorted(p.submission_id for p in pending) == sorted(ids)
        delivered = {}
        for item in pending:
            verdict = await asyncio.wait_for(service.follow(item.submission_id), 180)
            delivered[item.reply["message"]] = verdict.report.status
            await service.mark_delivered(item.submission_id)
        assert delivered == {f"m{n}": "passed" for n in range(6)}
        assert await service.pending_deliveries("test") == []


def test_console_loop_with_workers_started_separately(cluster: Cluster, tmp_path: Path) -> None:
    solution = tmp_path / "solution.py"
    solution.write_bytes(REFERENCE)
    script = f"/challenge submit install-command {solution}\n/progress\n/quit\n"
    run = subprocess.run([sys.executable, "-m", "bot.cli", "chat", "--user", "consoleq"], input=script.encode(),
                         env=cluster.env(TUTOR_VERDICT_PICTURES_DIR=str(tmp_path / "pics")), capture_output=True,
                         timeout=240, cwd=Path(__file__).resolve().parents[2])
    out = run.stdout.decode()
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    assert "running in the sandbox" in out and "PASSED" in out.upper(), out
    assert "80 points" in out or "80 pts" in out, out


async def test_a_worker_killed_mid_job_leaves_it_to_the_other(bot_service: TutorService, cluster: Cluster) -> None:
    who = Who("queue:victim", "Victim")
    submission_id = await bot_service.enqueue_files(who, GUILD, "install-command", [("slow.py", SLOW)])
    job = await _wait_running(bot_service, submission_id)
    victim = cluster.workers[int(str(job.worker).removeprefix("w")) - 1]
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    verdict = await asyncio.wait_for(bot_service.follow(submission_id), 120)
    assert verdict.report.passed, verdict.report.checks
    _, results, jobs = await _rows(bot_service)
    assert [r.submission_id for r in results].count(submission_id) == 1
    assert jobs[submission_id].attempts == 2 and jobs[submission_id].worker != job.worker
