"""The learner loop through the real service: bad input of every kind gets a clear message and a
stored result, and never loses earlier progress."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.errors import BadSubmission, Busy, UnknownChallenge
from bot.service import TutorService, Where, Who
from challenges.catalogue import Catalogue, Challenge, Limits
from storage.models import Result, Submission

ALICE = Who("test:alice", "Alice")
GUILD = Where("test:guild", "Test Guild")
SHAPES = "shapes-classifier"


def fast_catalogue(service: TutorService) -> Catalogue:
    """The real catalogue, with shapes-classifier's limits cut so hangs end in seconds."""
    items = []
    for c in service.catalogue:
        if c.id == SHAPES:
            spec = c.spec.model_copy(update={"limits": Limits(train_budget_s=2, wall_s=4, memory_mb=1024, threads=1)})
            c = Challenge(c.folder, spec, c.kind, c.config)
        items.append(c)
    return Catalogue(items)


async def stored_results(service: TutorService) -> list[Result]:
    async with service.sessions() as session:
        return list((await session.execute(select(Result).order_by(Result.id))).scalars())


async def test_unknown_challenge_suggests_and_is_stored(service: TutorService) -> None:
    with pytest.raises(UnknownChallenge, match="shapes-classifier"):
        await service.submit(ALICE, GUILD, "shapes-clasifier", "a.py", b"x = 1\n")
    results = await stored_results(service)
    assert [r.status for r in results] == ["rejected"]
    assert "no challenge" in results[0].checks[0]["message"]


@pytest.mark.parametrize(
    ("filename", "data", "fragment"),
    [
        ("a.py", b"\x00\x01\x02binary", "binary"),
        ("a.py", b"\xff\xfe\xfa not utf-8", "UTF-8"),
        ("a.py", b"", "empty"),
        ("a.py", b"# pad\n" * 10_000, "limit"),
    ],
)
async def test_unusable_files_are_refused_and_stored(
    service: TutorService, filename: str, data: bytes, fragment: str
) -> None:
    with pytest.raises(BadSubmission, match=fragment):
        await service.submit(ALICE, GUILD, SHAPES, filename, data)
    (result,) = await stored_results(service)
    assert result.status == "rejected" and not result.passed and result.points == 0


async def test_syntax_error_gets_line_number_without_running(service: TutorService) -> None:
    verdict = await service.submit(ALICE, GUILD, SHAPES, "a.py", b"def build_model(:\n    pass\n")
    assert verdict.report.status == "error"
    assert "Syntax error at line 1" in verdict.report.checks[0].message
    assert [r.status for r in await stored_results(service)] == ["error"]


LEARNER_FAILURES = {
    "raises": (
        b"import torch\ndef build_model():\n    raise ValueError('my bug')\n"
        b"def train(model, loader, time_budget_s):\n    pass\n",
        "error", "ValueError: my bug",
    ),
    "hangs": (
        b"import torch\nfrom torch import nn\n"
        b"def build_model():\n    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.LazyLinear(4))\n"
        b"def train(model, loader, time_budget_s):\n    while True:\n        pass\n",
        "timeout", "did not finish",
    ),
    "eats memory": (
        b"import torch\nfrom torch import nn\n"
        b"def build_model():\n    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.LazyLinear(4))\n"
        b"def train(model, loader, time_budget_s):\n    hoard = []\n    while True:\n"
        b"        hoard.append(torch.ones(64, 1024, 1024))\n",
        "memory", "out of memory",
    ),
}


@pytest.mark.parametrize("case", sorted(LEARNER_FAILURES))
async def test_learner_failures_get_their_status_and_a_stored_result(service: TutorService, case: str) -> None:
    service.catalogue = fast_catalogue(service)
    data, status, fragment = LEARNER_FAILURES[case]
    verdict = await service.submit(ALICE, GUILD, SHAPES, "mine.py", data)
    assert verdict.report.status == status, verdict.report
    assert fragment in verdict.report.checks[0].message
    (result,) = await stored_results(service)
    assert result.status == status and result.points == 0


async def test_reference_passes_and_progress_survives_later_failures(service: TutorService, tmp_path: Path) -> None:
    challenge = service.challenge(SHAPES)
    events: list[dict[str, object]] = []
    verdict = await service.submit(ALICE, GUILD, SHAPES, "reference.py", challenge.reference_path.read_bytes(), events.append)
    assert verdict.report.status == "passed", verdict.report
    assert verdict.first_pass and verdict.points_after > verdict.points_before == 0
    assert verdict.report.metrics["accuracy"] >= 0.95
    kinds = [e["type"] for e in events]
    assert kinds[0] == "queued" and "started" in kinds and "progress" in kinds
    assert verdict.report.losses, "the loss curve was captured from an ordinary training loop"

    # A later broken submission is stored but takes nothing away.
    broken = await service.submit(ALICE, GUILD, SHAPES, "broken.py", b"def build_model(:\n")
    assert broken.report.status == "error"
    progress = await service.progress(ALICE)
    assert progress.total_points == verdict.points_after
    line = next(line for line in progress.lines if line.competency == 5)
    assert line.passed == [SHAPES]
    board = await service.leaderboard(ALICE, GUILD)
    assert board.rows[0].display_name == "Alice" and board.own_rank == 1

    async with service.sessions() as session:
        statuses = [s.status for s in (await session.execute(select(Submission).order_by(Submission.id))).scalars()]
    assert statuses == ["passed", "error"]


async def test_one_job_per_user(service: TutorService) -> None:
    """The gate lives in the database: while a job is queued or running its author cannot submit
    again; once it ends, they can."""
    first = await service.enqueue_files(ALICE, GUILD, SHAPES, [("a.py", b"import time\ntime.sleep(3)\n")])
    with pytest.raises(Busy):
        await service.submit(ALICE, GUILD, SHAPES, "a.py", b"x = 1\n")
    assert (await service.follow(first)).report.status == "error"
    verdict = await service.submit(ALICE, GUILD, SHAPES, "a.py", b"def build_model(:\n")
    assert verdict.report.status == "error"


async def test_hints_unlock_one_by_one(service: TutorService) -> None:
    total = len(service.challenge(SHAPES).spec.hints)
    seen = [await service.next_hint(ALICE, SHAPES) for _ in range(total + 1)]
    assert [h.number for h in seen] == [*range(1, total + 1), total]
    assert len({h.text for h in seen}) == total


async def test_learner_loop_on_postgresql(pg_service: TutorService) -> None:
    """The service runs on PostgreSQL as on SQLite: refusals stored, hints remembered, a verdict
    recorded, progress and the leaderboard derived from the stored rows."""
    service = pg_service
    with pytest.raises(BadSubmission):
        await service.submit(ALICE, GUILD, SHAPES, "a.py", b"\x00binary")
    assert (await service.next_hint(ALICE, SHAPES)).number == 1
    assert (await service.next_hint(ALICE, SHAPES)).number == 2
    verdict = await service.submit(ALICE, GUILD, SHAPES, "a.py", b"def build_model(:\n")
    assert verdict.report.status == "error"
    attempt = await service.finish_quiz(ALICE, GUILD, "quiz-install", [q.answer for q in service.quiz("quiz-install").spec.questions])
    assert attempt.passed
    progress = await service.progress(ALICE)
    assert progress.total_points == attempt.points > 0
    assert next(line for line in progress.lines if line.competency == 1).passed == ["quiz-install"]
    board = await service.leaderboard(ALICE, GUILD)
    assert [row.display_name for row in board.rows] == ["Alice"] and board.own_rank == 1
    assert [r.status for r in await stored_results(service)] == ["rejected", "error"]
