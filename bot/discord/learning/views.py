"""The learning feature's views: the quiz (one button per choice, an explanation after each
answer, the completion role on a pass) and the leaderboard's pager. Both belong to their invoker
and time out; nothing here needs to survive a restart."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord

from bot.discord import limits as L
from bot.discord.base import TutorView
from bot.discord.context import grant_completion_role, tutor, where_of, who_of
from bot.discord.learning import render as learning_render
from bot.service import LeaderboardView, QuizAnswer
from challenges.catalogue import Challenge


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
        await interaction.response.edit_message(embed=learning_render.leaderboard_embed(view), view=self)

    @discord.ui.button(label="‹ Previous", style=discord.ButtonStyle.primary)
    async def prev(self, interaction: discord.Interaction, button: discord.ui.Button[LeaderboardPager]) -> None:
        await self._go(interaction, self.page - 1)

    @discord.ui.button(label="Next ›", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[LeaderboardPager]) -> None:
        await self._go(interaction, self.page + 1)


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
                embed=learning_render.quiz_embed(self.quiz, self.index, last=result, correct=self.correct), view=self)
            return
        self.stop()
        await interaction.response.defer()
        attempt = await service.finish_quiz(who_of(interaction.user), where_of(interaction), self.quiz.id, self.answers)
        await interaction.edit_original_response(
            embed=learning_render.quiz_result_embed(self.quiz, result, attempt.correct, attempt.passed, attempt.points), view=None)
        if attempt.passed:
            await grant_completion_role(interaction, self.quiz.spec.competency)
