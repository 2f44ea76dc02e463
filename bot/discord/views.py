"""Views, persistent buttons and modals. Every callback only translates to a service call and
renders the answer; errors go to the one handler in `bot.discord.errors`.

Buttons that must survive a restart are `DynamicItem`s whose custom_id carries their state
(``tutor:hint:<challenge>``, ``tutor:review:<verdict>:<request>``...), registered in
`TutorBot.setup_hook`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.discord import limits as L
from bot.discord import render
from bot.discord.errors import NotYours, reply_error
from bot.discord.live_grade import LiveGrade, where_of, who_of
from bot.errors import BadSubmission
from bot.service import LeaderboardView, QuizAnswer
from challenges.catalogue import Challenge

if TYPE_CHECKING:
    from bot.discord.client import TutorBot


def tutor(interaction: discord.Interaction) -> TutorBot:
    return cast("TutorBot", interaction.client)


class TutorView(discord.ui.View):
    """A view whose presses are limited to one user (or anyone with ``owner_id=None``)."""

    def __init__(self, owner_id: int | None, *, timeout: float | None = 600.0) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if self.owner_id is not None and interaction.user.id != self.owner_id:
            raise NotYours("These buttons belong to someone else; run the command yourself.")
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        await reply_error(interaction, error)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                pass


class TutorModal(discord.ui.Modal):
    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:  # type: ignore[override]
        await reply_error(interaction, error)


# --------------------------------------------------------------------------- pagination


class Paginator(TutorView):
    """≪ ‹ n/N › ≫ over pre-rendered embeds; only the invoker can page."""

    def __init__(self, owner_id: int, pages: Sequence[discord.Embed]) -> None:
        super().__init__(owner_id, timeout=300)
        self.pages = list(pages)
        self.index = 0
        self._sync()

    def _sync(self) -> None:
        last = len(self.pages) - 1
        self.first.disabled = self.prev.disabled = self.index == 0
        self.next.disabled = self.last.disabled = self.index >= last
        self.current.label = f"{self.index + 1}/{len(self.pages)}"

    async def _go(self, interaction: discord.Interaction, index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._sync()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label="≪", style=discord.ButtonStyle.secondary)
    async def first(self, interaction: discord.Interaction, button: discord.ui.Button[Paginator]) -> None:
        await self._go(interaction, 0)

    @discord.ui.button(label="‹", style=discord.ButtonStyle.primary)
    async def prev(self, interaction: discord.Interaction, button: discord.ui.Button[Paginator]) -> None:
        await self._go(interaction, self.index - 1)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True)
    async def current(self, interaction: discord.Interaction, button: discord.ui.Button[Paginator]) -> None:
        await interaction.response.defer()

    @discord.ui.button(label="›", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Paginator]) -> None:
        await self._go(interaction, self.index + 1)

    @discord.ui.button(label="≫", style=discord.ButtonStyle.secondary)
    async def last(self, interaction: discord.Interaction, button: discord.ui.Button[Paginator]) -> None:
        await self._go(interaction, len(self.pages) - 1)


class LeaderboardPager(TutorView):
    """‹ › through leaderboard pages (10 rows each), asking the service for each page."""

    def __init__(self, owner_id: int, view: LeaderboardView, fetch: Callable[[int], Awaitable[LeaderboardView]]) -> None:
        super().__init__(owner_id, timeout=300)
        self.fetch = fetch
        self._sync(view)

    def _sync(self, view: LeaderboardView) -> None:
        self.page = view.page
        self.prev.disabled = view.page <= 1
        self.next.disabled = len(view.rows) < L.LEADERBOARD_PAGE

    async def _go(self, interaction: discord.Interaction, page: int) -> None:
        view = await self.fetch(page)
        self._sync(view)
        await interaction.response.edit_message(embed=render.leaderboard_embed(view), view=self)

    @discord.ui.button(label="‹ Previous", style=discord.ButtonStyle.primary)
    async def prev(self, interaction: discord.Interaction, button: discord.ui.Button[LeaderboardPager]) -> None:
        await self._go(interaction, self.page - 1)

    @discord.ui.button(label="Next ›", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[LeaderboardPager]) -> None:
        await self._go(interaction, self.page + 1)


# --------------------------------------------------------------------------- challenges & submissions


class CodeModal(TutorModal):
    """Paste a solution (up to 4000 characters); submitting starts live grading."""

    def __init__(self, challenge: Challenge, default: str | None = None) -> None:
        super().__init__(title=render.clip(f"Submit · {challenge.id}", L.MODAL_TITLE), custom_id=f"tutor:code:{challenge.id}"[:100])
        self.challenge = challenge
        self.code: discord.ui.TextInput[CodeModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, custom_id="code", max_length=L.TEXT_INPUT, min_length=1,
            placeholder="import torch ... (longer solutions: attach the file to /challenge submit)",
            default=default[: L.TEXT_INPUT] if default else None,
        )
        self.add_item(discord.ui.Label(text="Your solution (Python)", component=self.code))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bot = tutor(interaction)
        if interaction.user.id in bot.jobs:
            raise BadSubmission("You already have a submission being graded; wait for its verdict (or cancel it).")
        await interaction.response.defer(thinking=True)
        await LiveGrade.start(bot, interaction, self.challenge, [("solution.py", self.code.value.encode("utf-8"))])


class HintButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"tutor:hint:(?P<cid>[a-z0-9-]+)"):
    def __init__(self, challenge_id: str) -> None:
        super().__init__(discord.ui.Button(label="Hint", emoji="💡", style=discord.ButtonStyle.secondary,
                                           custom_id=f"tutor:hint:{challenge_id}"))
        self.challenge_id = challenge_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> HintButton:
        return cls(match["cid"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            hint = await tutor(interaction).service.next_hint(who_of(interaction.user), self.challenge_id)
            await interaction.response.send_message(render.hint_text(hint), ephemeral=True)
        except Exception as exc:
            await reply_error(interaction, exc)


class SubmitButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"tutor:submit:(?P<cid>[a-z0-9-]+)"):
    def __init__(self, challenge_id: str) -> None:
        super().__init__(discord.ui.Button(label="Submit", emoji="📤", style=discord.ButtonStyle.success,
                                           custom_id=f"tutor:submit:{challenge_id}"))
        self.challenge_id = challenge_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> SubmitButton:
        return cls(match["cid"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            challenge = tutor(interaction).service.challenge(self.challenge_id)
            await interaction.response.send_modal(CodeModal(challenge))
        except Exception as exc:
            await reply_error(interaction, exc)


class ChallengeView(discord.ui.View):
    """Hint and Submit under `/challenge show` (persistent: the buttons work after a restart)."""

    def __init__(self, challenge: Challenge) -> None:
        super().__init__(timeout=None)
        if challenge.spec.hints:
            self.add_item(HintButton(challenge.id))
        if challenge.spec.kind != "quiz":
            self.add_item(SubmitButton(challenge.id))


class RequestReviewButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"tutor:askreview:(?P<sid>\d+)"):
    def __init__(self, submission_id: int) -> None:
        super().__init__(discord.ui.Button(label="Ask a mentor", emoji="🙋", style=discord.ButtonStyle.secondary,
                                           custom_id=f"tutor:askreview:{submission_id}"))
        self.submission_id = submission_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> RequestReviewButton:
        return cls(int(match["sid"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await tutor(interaction).request_review(interaction, self.submission_id)
        except Exception as exc:
            await reply_error(interaction, exc)


class ResubmitButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"tutor:resubmit:(?P<cid>[a-z0-9-]+)"):
    def __init__(self, challenge_id: str) -> None:
        super().__init__(discord.ui.Button(label="Resubmit", emoji="🔁", style=discord.ButtonStyle.primary,
                                           custom_id=f"tutor:resubmit:{challenge_id}"))
        self.challenge_id = challenge_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> ResubmitButton:
        return cls(match["cid"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            service = tutor(interaction).service
            challenge = service.challenge(self.challenge_id)
            _, code = await service.last_code(who_of(interaction.user), challenge.id)
            await interaction.response.send_modal(CodeModal(challenge, default=code))
        except Exception as exc:
            await reply_error(interaction, exc)


class VerdictView(discord.ui.View):
    def __init__(self, submission_id: int, challenge_id: str) -> None:
        super().__init__(timeout=None)
        self.add_item(ResubmitButton(challenge_id))
        self.add_item(RequestReviewButton(submission_id))


# --------------------------------------------------------------------------- quizzes


class QuizView(TutorView):
    """One button per choice; each answer shows its explanation with the next question."""

    def __init__(self, owner_id: int, quiz: Challenge) -> None:
        super().__init__(owner_id, timeout=900)
        self.quiz = quiz
        self.index = 0
        self.answers: list[int] = []
        self.correct = 0
        self._build()

    def _build(self) -> None:
        self.clear_items()
        question = self.quiz.spec.questions[self.index]
        for i in range(len(question.choices)):
            button: discord.ui.Button[QuizView] = discord.ui.Button(
                label="ABCDE"[i], style=discord.ButtonStyle.primary)
            button.callback = self._answer_callback(i)  # type: ignore[method-assign, assignment]
            self.add_item(button)

    def _answer_callback(self, choice: int) -> Callable[[discord.Interaction], Awaitable[None]]:
        async def callback(interaction: discord.Interaction) -> None:
            await self.answer(interaction, choice)
        return callback

    async def answer(self, interaction: discord.Interaction, choice: int) -> None:
        service = tutor(interaction).service
        result: QuizAnswer = service.answer_quiz_question(self.quiz.id, self.index + 1, choice)
        self.answers.append(choice)
        self.correct += int(result.correct)
        self.index += 1
        if self.index < len(self.quiz.spec.questions):
            self._build()
            await interaction.response.edit_message(
                embed=render.quiz_embed(self.quiz, self.index, last=result, correct=self.correct), view=self)
            return
        self.stop()
        await interaction.response.defer()
        attempt = await service.finish_quiz(who_of(interaction.user), where_of(interaction), self.quiz.id, self.answers)
        await interaction.edit_original_response(
            embed=render.quiz_result_embed(self.quiz, result, attempt.correct, attempt.passed, attempt.points), view=None)
        if attempt.passed:
            await tutor(interaction).grant_completion_role(interaction, self.quiz.spec.competency)


# --------------------------------------------------------------------------- reviews


class ReviewModal(TutorModal):
    def __init__(self, request_id: int, verdict: str) -> None:
        title = "Approve" if verdict == "approve" else "Needs work"
        super().__init__(title=f"{title} · review request {request_id}"[: L.MODAL_TITLE], custom_id=f"tutor:reviewform:{request_id}")
        self.request_id = request_id
        self.verdict = verdict
        self.comment: discord.ui.TextInput[ReviewModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, custom_id="comment", max_length=1800, min_length=1,
            placeholder="What is good, what to change, and why." if verdict == "approve" else "What to fix first, and a pointer how.",
        )
        self.add_item(discord.ui.Label(text="Your review for the learner", component=self.comment))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await tutor(interaction).post_review(interaction, self.request_id, self.verdict, self.comment.value)


class ReviewVerdictButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                          template=r"tutor:review:(?P<verdict>approve|needs_work):(?P<rid>\d+)"):
    def __init__(self, verdict: str, request_id: int) -> None:
        approve = verdict == "approve"
        super().__init__(discord.ui.Button(
            label="Approve" if approve else "Needs work", emoji="👍" if approve else "🛠️",
            style=discord.ButtonStyle.success if approve else discord.ButtonStyle.secondary,
            custom_id=f"tutor:review:{verdict}:{request_id}"))
        self.verdict = verdict
        self.request_id = request_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> ReviewVerdictButton:
        return cls(match["verdict"], int(match["rid"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await tutor(interaction).require_mentor(interaction)
            await interaction.response.send_modal(ReviewModal(self.request_id, self.verdict))
        except Exception as exc:
            await reply_error(interaction, exc)


class OpenReviewButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"tutor:review:open:(?P<rid>\d+)"):
    def __init__(self, request_id: int) -> None:
        super().__init__(discord.ui.Button(label="Open for review", emoji="🔎", style=discord.ButtonStyle.primary,
                                           custom_id=f"tutor:review:open:{request_id}"))
        self.request_id = request_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> OpenReviewButton:
        return cls(int(match["rid"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await tutor(interaction).open_review(interaction, self.request_id)
        except Exception as exc:
            await reply_error(interaction, exc)


def review_panel(request_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ReviewVerdictButton("approve", request_id))
    view.add_item(ReviewVerdictButton("needs_work", request_id))
    return view


def review_notice(request_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(OpenReviewButton(request_id))
    return view


class ReviewQueueView(TutorView):
    """A select of waiting requests (25 at most); picking one opens it for the mentor."""

    def __init__(self, owner_id: int, options: list[discord.SelectOption]) -> None:
        super().__init__(owner_id, timeout=600)
        self.pick: discord.ui.Select[ReviewQueueView] = discord.ui.Select(
            placeholder="Open a request to review", options=options[: L.SELECT_OPTIONS])
        self.pick.callback = self._picked  # type: ignore[method-assign]
        self.add_item(self.pick)

    async def _picked(self, interaction: discord.Interaction) -> None:
        await tutor(interaction).open_review(interaction, int(self.pick.values[0]))


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    HintButton, SubmitButton, RequestReviewButton, ResubmitButton, ReviewVerdictButton, OpenReviewButton,
)
