"""The service with the newer kinds and the admin tools: multi-file uploads, invalidation that
recomputes points and tells the learner, and start-up closing rows a crash left running."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import tutor_service
from bot.errors import BadSubmission, NotFound, TutorError
from bot.service import TutorService, Where, Who
from bot.settings import Settings
from storage import repository as repo

ALICE = Who("test:alice", "Alice")
ADMIN = Who("test:admin", "Admin")
GUILD = Where("test:guild", "Test Guild")
OTHER = Where("test:other", "Other Guild")
CONTENT = Path(__file__).resolve().parents[2] / "challenges" / "content"


def make_settings(tmp_path: Path) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tutor.db'}"
    return Settings(_env_file=None, database_url=url, submit_cooldown_s=0.0, job_memory_mb=1024)  # type: ignore[call-arg]


async def _pass_install_command(service: TutorService) -> int:
    reference = (CONTENT / "install_command" / "reference.py").read_bytes()
    verdict = await service.submit(ALICE, GUILD, "install-command", "reference.py", reference)
    assert verdict.report.status == "passed", verdict.report.checks
    return verdict.submission_id


@pytest.mark.sandbox
async def test_invalidate_recomputes_points_tells_the_learner_and_can_be_undone(service: TutorService) -> None:
    submission_id = await _pass_install_command(service)
    before = (await service.progress(ALICE)).total_points
    assert before > 0
    with pytest.raises(BadSubmission, match="why"):
        await service.invalidate(ADMIN, submission_id, "   ")
    with pytest.raises(NotFound):
        await service.invalidate(ADMIN, submission_id, "not your server", where=OTHER)
    item = await service.invalidate(ADMIN, submission_id, "copied from the reference", where=GUILD)
    assert item.learner == ALICE and item.challenge_id == "install-command"
    view = await service.progress(ALICE)
    assert view.total_points == 0 and [i.reason for i in view.invalidated] == ["copied from the reference"]
    board = await service.leaderboard(ALICE, GUILD)
    assert all(row.points == 0 for row in board.rows)
    with pytest.raises(TutorError, match="already"):
        await service.invalidate(ADMIN, submission_id, "again")
    _, result = await service.submission_detail(submission_id)
    assert result is not None and result.passed  # the evidence is kept
    await service.restore(ADMIN, submission_id, where=GUILD)
    assert (await service.progress(ALICE)).total_points == before
    with pytest.raises(NotFound):
        await service.restore(ADMIN, submission_id)


@pytest.mark.sandbox
async def test_multi_file_submission_matches_declared_names(service: TutorService) -> None:
    folder = CONTENT / "dockerfile_cpu_slim" / "reference"
    uploads = [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    verdict = await service.submit_files(ALICE, GUILD, "dockerfile-cpu-slim", uploads)
    assert verdict.report.status == "passed", verdict.report.checks
    with pytest.raises(BadSubmission, match="not one of the files"):
        await service.submit_files(ALICE, GUILD, "dockerfile-cpu-slim", [("Dockerfile.txt", b"FROM x\n")])
    with pytest.raises(BadSubmission, match="Missing `Dockerfile`"):
        await service.submit_files(ALICE, GUILD, "dockerfile-cpu-slim", [(".dockerignore", b".git\n")])
    with pytest.raises(BadSubmission, match="one Python file"):
        await service.submit_files(ALICE, GUILD, "install-command", [("a.py", b"x=1\n"), ("b.py", b"y=2\n")])


async def test_start_up_closes_rows_a_crash_left_running(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    async with tutor_service(settings) as service, service.sessions() as session:
        user = await repo.get_or_create_user(session, ALICE.discord_id, ALICE.display_name)
        assert user.id is not None
        sub = await repo.create_submission(session, user_id=user.id, guild_id=None, challenge_id="denoiser",
                                           filename="x.py", code="x = 1\n")
        assert sub.id is not None
        await repo.mark_running(session, sub.id)
        await session.commit()
        stale_id = sub.id
    async with tutor_service(settings) as service:  # "after the crash"
        submission, result = await service.submission_detail(stale_id)
        assert submission.status == "infrastructure"
        assert result is not None and result.status == "infrastructure" and not result.passed
