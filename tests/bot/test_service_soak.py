"""200 hostile submissions of mixed classes in a row, through the real service: afterwards no row
is left queued or running, no job process or extra cgroup is left, the supervisor has not grown,
and an honest job still passes. The lint is switched off, so every sample meets the kernel and
grading layers themselves."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import tutor_service
from bot.service import Where, Who
from bot.settings import Settings
from challenges.catalogue import Catalogue, Challenge, Limits
from storage.models import Result, Submission

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sandbox"))
from channel_attacks import ATTACKS

pytestmark = pytest.mark.sandbox

CONTENT = Path(__file__).resolve().parents[2] / "challenges" / "content"
N = int(__import__("os").environ.get("SOAK_N", "200"))
MAX_RSS_GROWTH_MB = 50

SAMPLES: list[tuple[str, str]] = [
    ("shapes-classifier", "def build_model():\n    raise RuntimeError('no model')\n\ndef train(m, l, time_budget_s):\n    pass\n"),
    ("shapes-classifier", "def build_model(:\n    pass\n"),
    ("shapes-classifier", "import torch\nfrom torch import nn\n\ndef build_model():\n    return nn.Sequential(nn.Flatten(), nn.Linear(784, 4))\n\n"
                          "def train(m, l, time_budget_s):\n    kept = []\n    while True:\n"
                          "        kept.append(torch.ones(64 << 20, dtype=torch.uint8))\n"),
    ("shapes-classifier", "import os\nfrom torch import nn\n\ndef build_model():\n    return nn.Sequential(nn.Flatten(), nn.Linear(784, 4))\n\n"
                          "def train(m, l, time_budget_s):\n    os._exit(0)\n"),
    ("shapes-classifier", "import threading, time\nfrom torch import nn\n\ndef build_model():\n"
                          "    for _ in range(500):\n        threading.Thread(target=time.sleep, args=(60,)).start()\n"
                          "    return nn.Sequential(nn.Flatten(), nn.Linear(784, 4))\n\ndef train(m, l, time_budget_s):\n    pass\n"),
    ("shapes-classifier", "from torch import nn\n\ndef build_model():\n    print('x' * 200000)\n    "
                          "return nn.Sequential(nn.Flatten(), nn.Linear(784, 4))\n\ndef train(m, l, time_budget_s):\n    while True:\n        print('y' * 100000)\n"),
    ("shapes-classifier", "from torch import nn\n\ndef build_model():\n    return nn.Sequential(nn.Flatten(), nn.Linear(784, 4))\n"
                          "\ndef train(m, l, time_budget_s):\n    while True:\n        pass\n"),
    ("install-command", "def pip_command(platform):\n    return object()\n"),
    ("install-command", "def pip_command(platform):\n    raise SystemExit(0)\n"),
    *[("shapes-classifier", a.source) for a in ATTACKS if a.stage in ("exit", "facts", "predictions")][:12],
]


def _job_uid_processes(uids: set[int]) -> list[str]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            line = next(ln for ln in status.read_text().splitlines() if ln.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        if {int(u) for u in line.split()[1:]} & uids:
            found.append(str(status))
    return found


def _rss_mb() -> float:
    line = next(ln for ln in Path("/proc/self/status").read_text().splitlines() if ln.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


async def test_two_hundred_hostile_submissions_leave_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sandbox.driver.check_source", lambda source, *_, **__: [])
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tutor.db'}"
    settings = Settings(_env_file=None, database_url=url, submit_cooldown_s=0.0, job_memory_mb=1024)  # type: ignore[call-arg]
    async with tutor_service(settings) as service:
        items = []
        for c in service.catalogue:  # hangs end in seconds: shapes' limits are cut
            if c.id == "shapes-classifier":
                spec = c.spec.model_copy(update={"limits": Limits(train_budget_s=2, wall_s=4, build_s=4, memory_mb=1024,
                                                                   threads=1)})
                c = Challenge(c.folder, spec, c.kind, c.config)
            items.append(c)
        service.catalogue = Catalogue(items)
        who, where = Who("soak:mallory", "Mallory"), Where("soak:guild", "Soak")
        statuses: dict[str, int] = {}
        rss_after_warmup = 0.0
        for i, (challenge_id, source) in enumerate(itertools.islice(itertools.cycle(SAMPLES), N)):
            verdict = await service.submit(who, where, challenge_id, "attack.py", source.encode())
            statuses[verdict.report.status] = statuses.get(verdict.report.status, 0) + 1
            if i < len(SAMPLES):
                print(i, verdict.report.status, verdict.report.checks[0].message[:90])
            assert not verdict.report.passed, (challenge_id, source[:200], verdict.report.checks)
            if i == len(SAMPLES) - 1:
                rss_after_warmup = _rss_mb()
        sandbox = service.dispatcher.sandbox
        await sandbox.idle()
        assert statuses.get("infrastructure", 0) == 0, statuses
        print("soak statuses:", statuses)
        async with service.sessions() as session:
            open_rows = (await session.execute(select(Submission).where(
                Submission.status.in_(["queued", "running"])))).scalars().all()  # type: ignore[attr-defined]
            results = (await session.execute(select(Result))).scalars().all()
        assert not open_rows and len(results) == N
        config = sandbox.config
        uids = set(range(config.uid_base, config.uid_base + config.size + config.spare_slots))
        assert not _job_uid_processes(uids), "a job process outlived its job"
        for group in sandbox._cgroups.values():  # only a slot's spare (root until it gets a job) is left
            leftover = [pid for pid in group.pids() if Path(f"/proc/{pid}/status").exists()]
            owners = {next(ln for ln in Path(f"/proc/{pid}/status").read_text().splitlines() if ln.startswith("Uid:"))
                      for pid in leftover}
            assert len(leftover) <= 3 and all(o.split()[1] == "0" for o in owners), (group.name, leftover, owners)
        assert _rss_mb() - rss_after_warmup < MAX_RSS_GROWTH_MB, (rss_after_warmup, _rss_mb())
        honest = (CONTENT / "install_command" / "reference.py").read_bytes()
        verdict = await service.submit(Who("soak:alice", "Alice"), where, "install-command", "reference.py", honest)
        assert verdict.report.passed, verdict.report.checks
