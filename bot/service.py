"""The tutor service: everything a learner or mentor can do, with no transport attached.

Front ends (the console, Discord) translate their input into calls here and render what comes
back. The service checks input, stores submissions and results, and hands grading to the
dispatcher; it never formats for a particular medium.
"""

from __future__ import annotations

import asyncio
import difflib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import BadSubmission, Busy, Forbidden, NotFound, TutorError, UnknownChallenge
from bot.resources import resources_for
from bot.settings import Settings
from bot.uploads import files_from_uploads, pack_files
from challenges.catalogue import COMPETENCIES, Catalogue, Challenge, Resource
from challenges.kinds.base import Submission
from challenges.verdict import Check, Diagnosis, Report
from sandbox.dispatch import LocalDispatcher
from storage import repository as repo

EventSink = Callable[[dict[str, Any]], Awaitable[None] | None]


@dataclass(frozen=True)
class Who:
    """A person as the front end knows them: a stable id and a display name."""

    discord_id: str
    display_name: str


@dataclass(frozen=True)
class Where:
    """The community a request comes from (a Discord guild, or the console's named guild)."""

    discord_id: str
    name: str


@dataclass(frozen=True)
class HintView:
    challenge_id: str
    number: int
    total: int
    text: str


@dataclass(frozen=True)
class Verdict:
    submission_id: int
    challenge: Challenge
    report: Report
    first_pass: bool  # this submission newly passed the challenge
    points_before: int
    points_after: int


@dataclass(frozen=True)
class CompetencyLine:
    competency: int
    title: str
    passed: list[str]
    total: int
    points: int


@dataclass(frozen=True)
class ProgressView:
    who: Who
    total_points: int
    lines: list[CompetencyLine]
    recent: list[Any] = field(default_factory=list)
    reviews: list[Any] = field(default_factory=list)
    invalidated: list[InvalidatedView] = field(default_factory=list)


@dataclass(frozen=True)
class InvalidatedView:
    """A result an admin hid from every board, and why (the learner sees it in their progress)."""

    submission_id: int
    challenge_id: str
    reason: str
    at: datetime
    learner: Who | None = None


@dataclass(frozen=True)
class LeaderboardView:
    title: str
    rows: list[Any]
    own_rank: int | None
    page: int


@dataclass(frozen=True)
class QuizAnswer:
    number: int
    correct: bool
    right_choice: str
    explanation: str


class TutorService:
    def __init__(
        self, settings: Settings, catalogue: Catalogue, sessions: async_sessionmaker[AsyncSession],
        dispatcher: LocalDispatcher,
    ) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.sessions = sessions
        self.dispatcher = dispatcher
        self._running: set[str] = set()
        self._last_submit: dict[str, float] = {}

    # --- catalogue -------------------------------------------------------------------------
    def challenge(self, challenge_id: str) -> Challenge:
        found = self.catalogue.get(challenge_id.strip().lower())
        if found is None:
            close = difflib.get_close_matches(challenge_id, self.catalogue.ids(), n=3, cutoff=0.6)
            raise UnknownChallenge(challenge_id, close)
        return found

    def list_challenges(self, competency: int | None = None) -> list[Challenge]:
        if competency is not None and competency not in COMPETENCIES:
            raise TutorError(f"Competencies are numbered 1 to 9; {competency} is not one of them.")
        return self.catalogue.by_competency(competency)

    def search_ids(self, prefix: str, limit: int = 25) -> list[Challenge]:
        """For autocomplete: ids or titles containing what was typed, best first."""
        needle = prefix.strip().lower()
        hits = [c for c in self.catalogue if needle in c.id or needle in c.spec.title.lower()]
        hits.sort(key=lambda c: (not c.id.startswith(needle), c.id))
        return hits[:limit]

    def resources(self, competency: int | None = None) -> dict[str, list[Resource]]:
        if competency is not None and competency not in COMPETENCIES:
            raise TutorError(f"Competencies are numbered 1 to 9; {competency} is not one of them.")
        return resources_for(self.catalogue, competency)

    async def next_hint(self, who: Who, challenge_id: str) -> HintView:
        """Reveal the next hint; hints unlock one at a time and stay unlocked."""
        challenge = self.challenge(challenge_id)
        hints = challenge.spec.hints
        if not hints:
            raise NotFound(f"`{challenge.id}` has no hints.")
        async with self.sessions() as session:
            user, _ = await self._identify(session, who, None)
            shown = await repo.reveal_hint(session, user.id, challenge.id, len(hints))
            await session.commit()
        return HintView(challenge.id, shown, len(hints), hints[shown - 1])

    # --- submissions -----------------------------------------------------------------------
    async def _identify(self, session: AsyncSession, who: Who, where: Where | None) -> tuple[Any, Any]:
        user = await repo.get_or_create_user(session, who.discord_id, who.display_name)
        guild = await repo.get_or_create_guild(session, where.discord_id, where.name) if where else None
        return user, guild

    async def submit(
        self, who: Who, where: Where | None, challenge_id: str, filename: str, data: bytes,
        on_event: EventSink | None = None,
    ) -> Verdict:
        """Submit one uploaded file (see ``submit_files``)."""
        return await self.submit_files(who, where, challenge_id, [(filename, data)], on_event)

    async def submit_files(
        self, who: Who, where: Where | None, challenge_id: str, uploads: list[tuple[str, bytes]],
        on_event: EventSink | None = None,
    ) -> Verdict:
        """Check, store, grade and record one submission of one or more files. Bad input still
        leaves a stored result."""
        if who.discord_id in self._running:
            raise Busy("You already have a submission being graded; wait for its verdict.")
        wait = self._last_submit.get(who.discord_id, -1e9) + self.settings.submit_cooldown_s - time.monotonic()
        if wait > 0:
            raise Busy(f"Please wait {wait:.0f} s before submitting again.")
        self._running.add(who.discord_id)
        self._last_submit[who.discord_id] = time.monotonic()
        try:
            return await self._submit(who, where, challenge_id, uploads, on_event)
        finally:
            self._running.discard(who.discord_id)

    async def _submit(
        self, who: Who, where: Where | None, challenge_id: str, uploads: list[tuple[str, bytes]],
        on_event: EventSink | None,
    ) -> Verdict:
        problem: TutorError | None = None
        files: dict[str, str] = {}
        filename = ", ".join(name for name, _ in uploads)[:200] or "nothing"
        challenge = self.catalogue.get(challenge_id.strip().lower())
        try:
            if challenge is None:
                self.challenge(challenge_id)  # raises with suggestions
            assert challenge is not None
            if challenge.spec.kind == "quiz":
                raise TutorError(f"`{challenge.id}` is a quiz: play it with `/quiz`.")
            files = files_from_uploads(
                list(challenge.spec.files), uploads, max_source_bytes=self.settings.max_submission_bytes,
                max_upload_bytes=self.settings.max_upload_bytes,
            )
            if challenge.spec.python_file:
                files = {_safe_filename(next(iter(files))): next(iter(files.values()))}
        except TutorError as exc:
            problem = exc
        async with self.sessions() as session:
            user, guild = await self._identify(session, who, where)
            points_before = await repo.total_points(session, user.id)
            submission = await repo.create_submission(
                session, user_id=user.id, guild_id=guild.id if guild else None,
                challenge_id=challenge.id if challenge else challenge_id[:64],
                filename=(", ".join(files) if files else filename)[:200], code=pack_files(files) if files else "",
            )
            await session.commit()
            submission_id = submission.id
            assert submission_id is not None
        if problem is not None:
            status = "rejected"
            report = Report(challenge.id if challenge else challenge_id, status, [Check("upload", False, str(problem))])
            await self._record(submission_id, report, user.id, guild.id if guild else None)
            raise problem
        assert challenge is not None

        async def relay(event: dict[str, Any]) -> None:
            if event.get("type") == "started":
                async with self.sessions() as session:
                    await repo.mark_running(session, submission_id)
                    await session.commit()
            if on_event is not None:
                result = on_event(event)
                if result is not None:
                    await result

        try:
            report = await self.dispatcher.submit(challenge, Submission(files), on_event=relay)
        except asyncio.CancelledError:  # the learner cancelled: the sandbox job is killed, the row says so
            await asyncio.shield(self._mark_cancelled(submission_id))
            raise
        except Exception:  # ours: the submission still gets a verdict, then the error propagates
            report = Report(challenge.id, "infrastructure", [Check("grader", False, repo.STALE_MESSAGE)])
            await self._record(submission_id, report, user.id, guild.id if guild else None)
            raise
        passed_before = challenge.id in await self._passed_ids(user.id)
        await self._record(submission_id, report, user.id, guild.id if guild else None)
        async with self.sessions() as session:
            points_after = await repo.total_points(session, user.id)
        return Verdict(submission_id, challenge, report, report.passed and not passed_before, points_before, points_after)

    async def _passed_ids(self, user_id: int) -> set[str]:
        competency_of, totals = self._competency_maps()
        async with self.sessions() as session:
            rows = await repo.progress(session, user_id, competency_of=competency_of, total_per_competency=totals)
        return {cid for row in rows for cid in row.passed_challenges}

    async def _record(self, submission_id: int, report: Report, user_id: int, guild_id: int | None) -> None:
        async with self.sessions() as session:
            await repo.record_result(
                session, submission_id, status=report.status, passed=report.passed, score=report.score,
                tier=report.tier, points=report.points, metrics=report.metrics,
                checks=[c.to_dict() for c in report.checks], runtime_s=report.runtime_s,
                stdout=report.stdout[-20000:], stderr=report.stderr[-20000:], feedback=report.feedback_json(),
            )
            await repo.finish_submission(session, submission_id, report.status)
            await session.commit()

    async def last_code(self, who: Who, challenge_id: str | None = None) -> tuple[str, str]:
        """(challenge id, code) of the user's last submission, for resubmitting."""
        async with self.sessions() as session:
            user, _ = await self._identify(session, who, None)
            last = await repo.last_submission(session, user.id, challenge_id)
            await session.commit()
        if last is None:
            raise NotFound("You have not submitted anything yet.")
        return last.challenge_id, last.code

    # --- progress and leaderboards ---------------------------------------------------------
    def _competency_maps(self) -> tuple[dict[str, int], dict[int, int]]:
        competency_of = {c.id: c.spec.competency for c in self.catalogue}
        totals: dict[int, int] = {}
        for c in self.catalogue:
            totals[c.spec.competency] = totals.get(c.spec.competency, 0) + 1
        return competency_of, totals

    async def progress(self, who: Who) -> ProgressView:
        competency_of, totals = self._competency_maps()
        async with self.sessions() as session:
            user, _ = await self._identify(session, who, None)
            rows = await repo.progress(session, user.id, competency_of=competency_of, total_per_competency=totals)
            total = await repo.total_points(session, user.id)
            recent = await repo.recent_results(session, user.id, 5)
            reviews = await repo.reviews_for_user(session, user.id)
            hidden = await repo.invalidations_for_user(session, user.id)
            await session.commit()
        by_comp = {r.competency: r for r in rows}
        lines = [
            CompetencyLine(
                n, title, list(by_comp[n].passed_challenges) if n in by_comp else [], totals.get(n, 0),
                by_comp[n].points if n in by_comp else 0,
            )
            for n, title in COMPETENCIES.items()
        ]
        invalidated = [InvalidatedView(sub.id or 0, sub.challenge_id, inv.reason, inv.created_at) for inv, sub in hidden]
        return ProgressView(who, total, lines, list(recent), list(reviews), invalidated)

    async def leaderboard(
        self, who: Who, where: Where | None, *, weekly: bool = False, challenge_id: str | None = None, page: int = 1,
    ) -> LeaderboardView:
        if challenge_id:
            challenge_id = self.challenge(challenge_id).id
        since = datetime.now(UTC) - timedelta(days=7) if weekly else None
        page = max(page, 1)
        async with self.sessions() as session:
            user, guild = await self._identify(session, who, where)
            guild_id = guild.id if guild else None
            rows = await repo.leaderboard(
                session, guild_id=guild_id, since=since, challenge_id=challenge_id, limit=10, offset=(page - 1) * 10
            )
            own = await repo.rank_of(session, user.id, guild_id=guild_id, since=since, challenge_id=challenge_id)
            await session.commit()
        scope = where.name if where else "everyone"
        title = f"{'Weekly' if weekly else 'All-time'} leaderboard · {scope}" + (f" · {challenge_id}" if challenge_id else "")
        return LeaderboardView(title, list(rows), own, page)

    # --- reviews ---------------------------------------------------------------------------
    async def request_review(self, who: Who, where: Where | None, submission_id: int) -> Any:
        async with self.sessions() as session:
            user, guild = await self._identify(session, who, where)
            submission = await repo.get_submission(session, submission_id)
            if submission is None:
                raise NotFound(f"There is no submission #{submission_id}.")
            if submission.user_id != user.id:
                raise Forbidden("You can only ask for a review of your own submissions.")
            request = await repo.request_review(session, submission_id, user.id, guild.id if guild else None)
            await session.commit()
            return request

    # --- quizzes ---------------------------------------------------------------------------
    def quiz(self, quiz_id: str) -> Challenge:
        challenge = self.challenge(quiz_id)
        if challenge.spec.kind != "quiz":
            raise TutorError(f"`{challenge.id}` is not a quiz; submit code for it with `/challenge submit`.")
        return challenge

    def quizzes(self, competency: int | None = None) -> list[Challenge]:
        return [c for c in self.catalogue.by_competency(competency) if c.spec.kind == "quiz"]

    def answer_quiz_question(self, quiz_id: str, number: int, choice: int) -> QuizAnswer:
        question = self.quiz(quiz_id).spec.questions[number - 1]
        if not 0 <= choice < len(question.choices):
            raise BadSubmission(f"Choose an answer between 1 and {len(question.choices)}.")
        return QuizAnswer(number, choice == question.answer, question.choices[question.answer], question.explanation)

    async def finish_quiz(self, who: Who, where: Where | None, quiz_id: str, answers: list[int]) -> Any:
        quiz = self.quiz(quiz_id)
        questions = quiz.spec.questions
        if len(answers) != len(questions):
            raise BadSubmission(f"The quiz has {len(questions)} questions; {len(answers)} answers were given.")
        correct = sum(1 for q, a in zip(questions, answers, strict=True) if q.answer == a)
        passed = correct >= (quiz.spec.pass_mark or len(questions))
        async with self.sessions() as session:
            user, guild = await self._identify(session, who, where)
            attempt = await repo.record_quiz_attempt(
                session, user_id=user.id, guild_id=guild.id if guild else None, quiz_id=quiz.id, answers=answers,
                correct=correct, total=len(questions), passed=passed, points=quiz.spec.points if passed else 0,
            )
            await session.commit()
            return attempt

    # --- mentors, guild settings, completion (used by the Discord front end) -----------------
    async def guild_settings(self, where: Where) -> repo.GuildSettings:
        """The guild's mentor role, review channel and completion role (ids as text, or None)."""
        async with self.sessions() as session:
            await repo.get_or_create_guild(session, where.discord_id, where.name)
            settings = await repo.get_guild_settings(session, where.discord_id)
            await session.commit()
        return settings

    async def set_guild_setting(self, where: Where, name: str, value: str | None) -> repo.GuildSettings:
        """Set (or clear, with None) one of ``mentor_role_id``, ``review_channel_id``, ``completion_role_id``."""
        if name not in repo.GUILD_SETTINGS:
            raise TutorError(f"`{name}` is not a guild setting.")
        async with self.sessions() as session:
            await repo.get_or_create_guild(session, where.discord_id, where.name)
            settings = await repo.set_guild_setting(session, where.discord_id, name, value)
            await session.commit()
        return settings

    async def review_queue(self, where: Where | None) -> list[ReviewItem]:
        """Waiting review requests of the guild (every guild without one), oldest first."""
        async with self.sessions() as session:
            guild_id = None
            if where is not None:
                guild = await repo.get_or_create_guild(session, where.discord_id, where.name)
                guild_id = guild.id
            items = await repo.review_queue(session, guild_id)
            await session.commit()
        return [_review_item(item) for item in items]

    async def open_review(self, where: Where | None, request_id: int) -> ReviewItem:
        """One waiting request with the code and the verdict, for a mentor to read."""
        for item in await self.review_queue(where):
            if item.request_id == request_id:
                return item
        raise NotFound(f"Review request {request_id} is not waiting any more (already reviewed, or not in this server).")

    async def submission_detail(self, submission_id: int) -> tuple[Any, Any]:
        """(submission, result or None) of one submission."""
        async with self.sessions() as session:
            submission = await repo.get_submission(session, submission_id)
            if submission is None:
                raise NotFound(f"There is no submission #{submission_id}.")
            result = await repo.get_result(session, submission_id)
        return submission, result

    async def post_review(
        self, mentor: Who, where: Where | None, request_id: int, verdict: str, comment: str,
    ) -> PostedReview:
        """Store a mentor's review (verdict ``approve`` or ``needs_work``) and close the request."""
        from storage.errors import StorageError

        if verdict not in ("approve", "needs_work"):
            raise BadSubmission("A review's verdict is either approve or needs work.")
        item = await self.open_review(where, request_id)
        if item.requester.discord_id == mentor.discord_id:
            raise Forbidden("You cannot review your own submission; ask another mentor.")
        async with self.sessions() as session:
            user, _ = await self._identify(session, mentor, where)
            try:
                review = await repo.post_review(session, request_id, user.id, verdict, comment.strip()[:4000])
            except StorageError as exc:
                raise NotFound("That review request was already answered by another mentor.") from exc
            await session.commit()
        assert review.id is not None
        return PostedReview(review.id, request_id, item.submission_id, item.challenge_id, item.requester, mentor,
                            verdict, comment.strip()[:4000])

    async def competency_complete(self, who: Who, competency: int) -> bool:
        """Whether the user has passed every challenge and quiz of a competency."""
        items = self.catalogue.by_competency(competency)
        if not items:
            return False
        view = await self.progress(who)
        line = next((ln for ln in view.lines if ln.competency == competency), None)
        passed = set(line.passed) if line is not None else set()
        return all(c.id in passed for c in items)

    # --- admins: hiding a cheat from every board -------------------------------------------
    async def _check_scope(self, session: AsyncSession, where: Where | None, submission_id: int) -> None:
        """A server's admin acts on that server's submissions only (None: the local operator)."""
        if where is None:
            return
        submission = await repo.get_submission(session, submission_id)
        guild = await repo.get_guild(session, where.discord_id)
        if submission is None or guild is None or submission.guild_id != guild.id:
            raise NotFound(f"There is no submission #{submission_id} in this server.")

    async def invalidate(self, admin: Who, submission_id: int, reason: str, where: Where | None = None) -> InvalidatedView:
        """Hide a result from every board without deleting it; points and ranks follow at once.
        The front end has already checked that ``admin`` may do this."""
        from storage.errors import Conflict
        from storage.errors import NotFound as RowMissing

        reason = reason.strip()
        if not reason:
            raise BadSubmission("Say why: the learner is shown the reason.")
        async with self.sessions() as session:
            await self._check_scope(session, where, submission_id)
            user, _ = await self._identify(session, admin, None)
            try:
                row = await repo.invalidate(session, submission_id, user.id, reason)
            except RowMissing as exc:
                raise NotFound(f"There is no submission #{submission_id}.") from exc
            except Conflict as exc:
                raise TutorError(f"Submission #{submission_id} is already invalidated.") from exc
            submission = await repo.get_submission(session, submission_id)
            learner = await session.get(repo.User, submission.user_id) if submission else None
            await session.commit()
        assert submission is not None
        who = Who(learner.discord_id, learner.display_name) if learner else None
        return InvalidatedView(submission_id, submission.challenge_id, row.reason, row.created_at, who)

    async def restore(self, admin: Who, submission_id: int, where: Where | None = None) -> int:
        """Undo an invalidation: the result counts again."""
        from storage.errors import Conflict

        async with self.sessions() as session:
            await self._check_scope(session, where, submission_id)
            user, _ = await self._identify(session, admin, None)
            try:
                await repo.restore(session, submission_id, user.id)
            except Conflict as exc:
                raise NotFound(f"Submission #{submission_id} is not invalidated.") from exc
            await session.commit()
        return submission_id

    async def close_stale(self) -> list[int]:
        """On start-up: rows a crash left queued or running get an infrastructure verdict."""
        async with self.sessions() as session:
            closed = await repo.close_stale_submissions(session)
            await session.commit()
        return closed

    async def _mark_cancelled(self, submission_id: int) -> None:
        async with self.sessions() as session:
            await repo.finish_submission(session, submission_id, "cancelled")
            await session.commit()


def _safe_filename(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isalnum() or ch in "._-")[:64] or "submission.py"
    return cleaned if cleaned.endswith(".py") else cleaned.rsplit(".", 1)[0] + ".py"


@dataclass(frozen=True)
class ReviewItem:
    """A waiting review request as a mentor sees it."""

    request_id: int
    submission_id: int
    challenge_id: str
    requester: Who
    requested_at: datetime
    filename: str
    code: str
    status: str | None
    checks: list[dict[str, Any]]
    metrics: dict[str, Any]
    diagnoses: list[Diagnosis] = field(default_factory=list)  # what the verdict diagnosed, most important first


@dataclass(frozen=True)
class PostedReview:
    review_id: int
    request_id: int
    submission_id: int
    challenge_id: str
    learner: Who
    mentor: Who
    verdict: str
    comment: str


def _review_item(item: Any) -> ReviewItem:
    result = item.result
    return ReviewItem(
        request_id=item.request.id, submission_id=item.submission.id, challenge_id=item.submission.challenge_id,
        requester=Who(item.requester.discord_id, item.requester.display_name), requested_at=item.request.created_at,
        filename=item.submission.filename, code=item.submission.code,
        status=result.status if result is not None else item.submission.status,
        checks=list(result.checks) if result is not None else [], metrics=dict(result.metrics) if result is not None else {},
        diagnoses=[Diagnosis.from_dict(d) for d in (result.feedback or {}).get("diagnoses", []) if isinstance(d, dict)]
        if result is not None else [],
    )
