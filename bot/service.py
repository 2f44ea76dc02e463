"""The tutor service: everything a learner or mentor can do, with no transport attached.

Front ends (the console, Discord) translate their input into calls here and render what comes
back. The service checks input, stores submissions and results, and hands grading to the
dispatcher; it never formats for a particular medium.
"""

from __future__ import annotations

import base64
import difflib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import BadSubmission, Busy, Cancelled, Forbidden, NotFound, TutorError, UnknownChallenge
from bot.relay import Relay
from bot.resources import resources_for
from bot.settings import Settings
from bot.uploads import files_from_uploads, pack_files
from challenges.catalogue import COMPETENCIES, Catalogue, Challenge, Resource
from challenges.verdict import Check, Diagnosis, LayerRow, Report
from sandbox.dispatch import Dispatcher
from sandbox.jobs import queue_for, result_record
from storage import jobs
from storage import repository as repo
from storage.errors import Conflict

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
        dispatcher: Dispatcher, relay: Relay | None = None,
    ) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.sessions = sessions
        self.dispatcher = dispatcher
        self.relay = relay or Relay(settings.database_url, poll_s=settings.relay_poll_s)
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
        on_event: EventSink | None = None, reply: dict[str, Any] | None = None,
    ) -> Verdict:
        """Check, store and enqueue one submission of one or more files, then follow its job to the
        verdict. Bad input still leaves a stored result. Cancelling the caller stops following
        only: the job goes on (``cancel`` stops it)."""
        submission_id = await self.enqueue_files(who, where, challenge_id, uploads, reply=reply)
        return await self.follow(submission_id, on_event)

    async def enqueue_files(
        self, who: Who, where: Where | None, challenge_id: str, uploads: list[tuple[str, bytes]],
        reply: dict[str, Any] | None = None,
    ) -> int:
        """Check and store a submission and hand its job to the dispatcher; the submission id.
        One job per user at a time (queued or running), decided by the database."""
        wait = self._last_submit.get(who.discord_id, -1e9) + self.settings.submit_cooldown_s - time.monotonic()
        if wait > 0:
            raise Busy(f"Please wait {wait:.0f} s before submitting again.")
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
        queue = queue_for(challenge) if challenge is not None else "cpu"
        async with self.sessions() as session:
            user, guild = await self._identify(session, who, where)
            if problem is None and await jobs.active_job_for_user(session, user.id) is not None:
                raise Busy("You already have a submission being graded; wait for its verdict.")
            points_before = await repo.total_points(session, user.id)
            submission = await repo.create_submission(
                session, user_id=user.id, guild_id=guild.id if guild else None,
                challenge_id=challenge.id if challenge else challenge_id[:64],
                filename=(", ".join(files) if files else filename)[:200], code=pack_files(files) if files else "",
            )
            submission_id = submission.id
            assert submission_id is not None and user.id is not None
            if problem is None:
                try:
                    await jobs.create_job(session, submission_id, user_id=user.id, queue=queue, files=files,
                                          points_before=points_before, reply=reply)
                except Conflict as exc:
                    await session.rollback()
                    raise Busy("You already have a submission being graded; wait for its verdict.") from exc
            await session.commit()
        self._last_submit[who.discord_id] = time.monotonic()
        if problem is not None:
            status = "rejected"
            report = Report(challenge.id if challenge else challenge_id, status, [Check("upload", False, str(problem))])
            await self._record(submission_id, report, user.id, guild.id if guild else None)
            raise problem
        await self.dispatcher.enqueue(submission_id, queue=queue, user_id=user.id)
        return submission_id

    async def follow(self, submission_id: int, on_event: EventSink | None = None) -> Verdict:
        """Relay a job's progress from the database as events (queued with position and ETA,
        started, phase, progress, retry) until its verdict, wherever the job runs. Raises
        ``Cancelled`` when the job was cancelled."""

        async def emit(event: dict[str, Any]) -> None:
            if on_event is not None:
                result = on_event(event)
                if result is not None:
                    await result

        seen: dict[str, Any] = {}
        try:
            while True:
                async with self.sessions() as session:
                    submission = await repo.get_submission(session, submission_id)
                    job = await jobs.get_job(session, submission_id)
                    result = await repo.get_result(session, submission_id)
                    spot = await jobs.queue_spot(session, submission_id) if (
                        job is not None and submission is not None and submission.status == "queued") else None
                if submission is None:
                    raise NotFound(f"There is no submission #{submission_id}.")
                if result is not None:
                    if job is not None and job.attempts and not seen.get("started"):
                        await emit({"type": "started"})  # it ran between two looks: say so before the verdict
                    return await self._verdict(submission_id, result, job.points_before if job else 0)
                if submission.status == "cancelled":
                    raise Cancelled(f"Submission #{submission_id} was cancelled; the job was stopped.")
                for event in _new_events(seen, submission.status, job.progress if job else {}, spot):
                    await emit(event)
                await self.relay.wait(submission_id)
        finally:
            self.relay.forget(submission_id)

    async def _verdict(self, submission_id: int, result: Any, points_before: int) -> Verdict:
        challenge = self.challenge(result.challenge_id)
        async with self.sessions() as session:
            before = await jobs.passed_before(session, submission_id)
            points_after = await repo.total_points(session, result.user_id)
        report = report_from_result(result)
        return Verdict(submission_id, challenge, report, report.passed and not before, points_before, points_after)

    async def cancel(self, who: Who, submission_id: int) -> bool:
        """Ask the job to stop (its author only); the process running it polls the request. False
        when it had already ended."""
        async with self.sessions() as session:
            user, _ = await self._identify(session, who, None)
            submission = await repo.get_submission(session, submission_id)
            if submission is None or submission.user_id != user.id:
                raise Forbidden("Only the author of a submission can cancel it.")
            asked = await jobs.request_cancel(session, submission_id)
            await session.commit()
        self.relay.poke(submission_id)
        return asked

    async def attach_reply(self, submission_id: int, reply: dict[str, Any]) -> None:
        """Remember where the verdict goes (the front end's message), for whoever delivers it."""
        async with self.sessions() as session:
            await jobs.set_reply(session, submission_id, reply)
            await session.commit()

    async def reply_of(self, submission_id: int) -> dict[str, Any]:
        """Where the verdict of a submission was delivered (the keys its front end stored with
        ``attach_reply``); empty for one graded without a job."""
        async with self.sessions() as session:
            return await jobs.reply_of(session, submission_id)

    async def mark_delivered(self, submission_id: int) -> None:
        async with self.sessions() as session:
            await jobs.mark_delivered(session, submission_id)
            await session.commit()

    async def pending_deliveries(self, front_end: str) -> list[PendingDelivery]:
        """Jobs of a front end whose verdict has not reached its message (a restart left them)."""
        async with self.sessions() as session:
            rows = await jobs.undelivered_jobs(session, front_end)
            found = []
            for job in rows:
                submission = await repo.get_submission(session, job.submission_id)
                if submission is not None:
                    found.append(PendingDelivery(job.submission_id, submission.challenge_id, dict(job.reply)))
        return found

    async def resume(self) -> list[int]:
        """On start-up: hand every job still queued or running to the dispatcher again (the
        in-process pool lost them; on the queue a duplicate is ignored, and a job that ran twice
        counts once); rows a crash left without a job get an infrastructure verdict."""
        async with self.sessions() as session:
            unfinished = await jobs.unfinished_jobs(session)
            closed = await repo.close_stale_submissions(session, keep={j.submission_id for j in unfinished})
            await session.commit()
        for job in unfinished:
            await self.dispatcher.enqueue(job.submission_id, queue=job.queue, user_id=job.user_id)
        return closed

    async def _passed_ids(self, user_id: int) -> set[str]:
        competency_of, totals = self._competency_maps()
        async with self.sessions() as session:
            rows = await repo.progress(session, user_id, competency_of=competency_of, total_per_competency=totals)
        return {cid for row in rows for cid in row.passed_challenges}

    async def _record(self, submission_id: int, report: Report, user_id: int, guild_id: int | None) -> None:
        async with self.sessions() as session:
            await repo.record_result(session, submission_id, **result_record(report))
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
        """Rows a crash left queued or running without a job get an infrastructure verdict."""
        return await self.resume()


@dataclass(frozen=True)
class PendingDelivery:
    """A verdict still owed to a front-end message (``reply`` says which)."""

    submission_id: int
    challenge_id: str
    reply: dict[str, Any]


def _new_events(seen: dict[str, Any], status: str, progress: dict[str, Any], spot: Any) -> list[dict[str, Any]]:
    """The events a job's rows show that were not relayed yet (``seen`` remembers)."""
    events: list[dict[str, Any]] = []
    if status == "queued" and spot is not None:
        key = (spot.position, spot.eta_s)
        if seen.get("queued") != key:
            seen["queued"] = key
            events.append({"type": "queued", "position": spot.position, "eta_s": spot.eta_s})
        return events
    if status != "running":
        return events
    if progress.get("retry") and not seen.get("retry"):
        seen["retry"] = True
        events.append({"type": "retry"})
    if not seen.get("started"):
        seen["started"] = True
        events.append({"type": "started"})
    stage = progress.get("stage")
    if stage and stage != seen.get("stage") and stage != "train":
        events.append({"type": "phase", "name": stage})
    seen["stage"] = stage
    step = (progress.get("step"), progress.get("elapsed"))
    if progress.get("step") is not None and step != seen.get("step"):
        seen["step"] = step
        events.append({"type": "progress", "step": progress.get("step"), "loss": progress.get("loss"),
                       "elapsed": progress.get("elapsed")})
    return events


def report_from_result(result: Any) -> Report:
    """A stored result as the report it was: checks, metrics, feedback and artifacts (loss series,
    task pictures, output), so a verdict graded in another process renders the same."""
    artifacts = dict(result.artifacts or {})
    feedback = dict(result.feedback or {})
    pictures = {str(name): base64.b64decode(data) for name, data in (artifacts.get("pictures") or {}).items()
                if isinstance(data, str)}
    return Report(
        result.challenge_id, result.status, [Check.from_dict(c) for c in result.checks], metrics=dict(result.metrics),
        score=result.score, tier=result.tier, points=result.points, runtime_s=result.runtime_s, stdout=result.stdout,
        stderr=result.stderr, losses=[float(x) if x is not None else float("nan") for x in artifacts.get("losses") or []],
        pictures=pictures, phase=artifacts.get("phase"), timings=dict(artifacts.get("timings") or {}),
        diagnoses=[Diagnosis.from_dict(d) for d in feedback.get("diagnoses", []) if isinstance(d, dict)],
        trace=[LayerRow(**r) for r in feedback.get("trace", []) if isinstance(r, dict)],
        trace_note=str(feedback.get("trace_note", "")),
    )


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
