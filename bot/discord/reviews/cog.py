"""`/review request` (learners) and `/review queue` (mentors): human feedback on submissions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import limits as L
from bot.discord import render
from bot.discord.context import by_user, mentor_only, query_cooldown, where_of
from bot.discord.reviews import render as review_render
from bot.discord.reviews.views import DYNAMIC_ITEMS, RequestReviewButton, ReviewQueueView, request_review

if TYPE_CHECKING:
    from bot.discord.client import TutorBot


class Reviews(commands.GroupCog, group_name="review", group_description="Ask mentors for a review, or review as a mentor"):
    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot

    @app_commands.command(name="request", description="Ask a mentor to review one of your submissions")
    @app_commands.describe(submission="The submission number shown on its verdict")
    @app_commands.checks.dynamic_cooldown(query_cooldown, key=by_user)
    async def request(self, interaction: discord.Interaction, submission: app_commands.Range[int, 1]) -> None:
        await request_review(interaction, submission)

    @app_commands.command(name="queue", description="Mentors: the review requests waiting in this server")
    @app_commands.guild_only()
    @app_commands.check(mentor_only)
    async def queue(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        items = await self.bot.service.review_queue(where_of(interaction))
        embed = review_render.review_queue_embed(items)
        if not items:
            await interaction.followup.send(embed=embed, ephemeral=True)
            return
        options = [
            discord.SelectOption(
                label=render.clip(f"#{item.submission_id} · {item.challenge_id}", L.SELECT_TEXT),
                description=render.clip(f"by {' '.join(item.requester.display_name.split())} · {item.status or 'not graded'}",
                                        L.SELECT_TEXT),
                value=str(item.request_id),
            )
            for item in items[: L.SELECT_OPTIONS]
        ]
        view = ReviewQueueView(interaction.user.id, options)
        view.message = await interaction.followup.send(embed=embed, view=view, ephemeral=True, wait=True)


async def setup(bot: TutorBot) -> None:
    await bot.add_cog(Reviews(bot))
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    bot.verdict_actions.append(RequestReviewButton)  # "Ask a mentor" under every verdict
