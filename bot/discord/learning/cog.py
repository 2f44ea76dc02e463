"""`/quiz`, `/resources`, `/progress`, `/leaderboard`: learning material and standing."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.context import COMPETENCY_CHOICES, by_user, challenge_autocomplete, query_cooldown, where_of, who_of
from bot.discord.learning import render as learning_render
from bot.discord.learning.views import LeaderboardPager, QuizView
from bot.errors import NotFound
from bot.service import LeaderboardView

if TYPE_CHECKING:
    from bot.discord.client import TutorBot

PERIODS = [app_commands.Choice(name="all-time", value="all-time"), app_commands.Choice(name="weekly", value="weekly")]


class Learning(commands.Cog):
    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot

    @app_commands.command(name="quiz", description="Play a competency's quiz: buttons, with an explanation after each answer")
    @app_commands.describe(competency="Which competency's quiz")
    @app_commands.choices(competency=COMPETENCY_CHOICES)
    async def quiz(self, interaction: discord.Interaction, competency: app_commands.Choice[int]) -> None:
        quizzes = self.bot.service.quizzes(competency.value)
        if not quizzes:
            raise NotFound(f"Competency {competency.value} has no quiz yet; try `/challenge list` for its challenges.")
        quiz = quizzes[0]
        view = QuizView(interaction.user.id, quiz)
        await interaction.response.send_message(embed=learning_render.quiz_embed(quiz, 0), view=view, ephemeral=True)
        view.message = await interaction.original_response()

    @app_commands.command(name="resources", description="Learning links, for one competency or all")
    @app_commands.describe(competency="Only this competency")
    @app_commands.choices(competency=COMPETENCY_CHOICES)
    async def resources(self, interaction: discord.Interaction, competency: app_commands.Choice[int] | None = None) -> None:
        groups = self.bot.service.resources(competency.value if competency else None)
        await interaction.response.send_message(embed=learning_render.resources_embed(groups), ephemeral=True)

    @app_commands.command(name="progress", description="Points, per-competency progress and mentor reviews")
    @app_commands.describe(member="Whose progress (default: yours)")
    @app_commands.checks.dynamic_cooldown(query_cooldown, key=by_user)
    async def progress(self, interaction: discord.Interaction, member: discord.Member | discord.User | None = None) -> None:
        target = member or interaction.user
        if target.bot:
            raise NotFound("Bots do not learn PyTorch (yet).")
        await interaction.response.defer(thinking=True)
        view = await self.bot.service.progress(who_of(target))
        await interaction.followup.send(embed=learning_render.progress_embed(view))

    @app_commands.command(name="leaderboard", description="Top learners by points (10 per page), weekly or all-time")
    @app_commands.describe(period="All-time (default) or the last 7 days", challenge="Rank one challenge only")
    @app_commands.choices(period=PERIODS)
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    @app_commands.checks.dynamic_cooldown(query_cooldown, key=by_user)
    async def leaderboard(self, interaction: discord.Interaction, period: app_commands.Choice[str] | None = None,
                          challenge: str | None = None) -> None:
        weekly = period is not None and period.value == "weekly"
        if challenge:
            challenge = self.bot.service.challenge(challenge).id  # unknown ids fail before the public defer
        who, where = who_of(interaction.user), where_of(interaction)
        await interaction.response.defer(thinking=True)

        async def fetch(page: int) -> LeaderboardView:
            return await self.bot.service.leaderboard(who, where, weekly=weekly, challenge_id=challenge, page=page)

        first = await fetch(1)
        pager = LeaderboardPager(interaction.user.id, first, fetch)
        pager.message = await interaction.followup.send(embed=learning_render.leaderboard_embed(first), view=pager, wait=True)


async def setup(bot: TutorBot) -> None:
    await bot.add_cog(Learning(bot))
