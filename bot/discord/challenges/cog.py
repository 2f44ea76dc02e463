"""`/challenge list|show|submit|resubmit`: browse the catalogue and submit solutions; the cog
also starts the grading of a solution pasted into the code modal (`views.Grading`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import limits as L
from bot.discord import render
from bot.discord.base import Paginator
from bot.discord.challenges import render as challenge_render
from bot.discord.challenges.live_grade import LiveGrade, reattach
from bot.discord.challenges.views import DYNAMIC_ITEMS, ChallengeView, CodeModal
from bot.discord.context import COMPETENCY_CHOICES, by_guild, by_user, challenge_autocomplete, tutor, who_of
from bot.errors import BadSubmission, Busy
from challenges.catalogue import Challenge

if TYPE_CHECKING:
    from bot.discord.client import TutorBot

ACCEPTED = (".py", ".ipynb")


def user_submit_cooldown(interaction: discord.Interaction) -> app_commands.Cooldown | None:
    per = tutor(interaction).settings.submit_cooldown_s
    return app_commands.Cooldown(1, per) if per > 0 else None


def guild_submit_cooldown(interaction: discord.Interaction) -> app_commands.Cooldown | None:
    return app_commands.Cooldown(tutor(interaction).settings.guild_cooldown_per_minute, 60.0)


def no_job_running(interaction: discord.Interaction) -> None:
    if interaction.user.id in tutor(interaction).jobs:
        raise Busy("You already have a submission being graded; wait for its verdict (or cancel it).")


class Challenges(commands.GroupCog, group_name="challenge", group_description="Browse PyTorch challenges and submit solutions"):
    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot

    async def grade_pasted(self, interaction: discord.Interaction, challenge: Challenge, code: str) -> None:
        """The code modal's submit: defer (within the 3 s), then grade live."""
        no_job_running(interaction)
        await interaction.response.defer(thinking=True)
        await LiveGrade.start(self.bot, interaction, challenge, [("solution.py", code.encode("utf-8"))])

    @app_commands.command(name="list", description="List the challenges, optionally of one competency")
    @app_commands.describe(competency="Only this competency")
    @app_commands.choices(competency=COMPETENCY_CHOICES)
    async def list_(self, interaction: discord.Interaction, competency: app_commands.Choice[int] | None = None) -> None:
        challenges = self.bot.service.list_challenges(competency.value if competency else None)
        pages = challenge_render.challenge_pages(challenges)
        if len(pages) == 1:
            await interaction.response.send_message(embed=pages[0])
            return
        view = Paginator(interaction.user.id, pages)
        await interaction.response.send_message(embed=pages[0], view=view)
        view.message = await interaction.original_response()

    @app_commands.command(name="show", description="Show a challenge: statement, contract, limits and starter code")
    @app_commands.describe(challenge="Challenge id (start typing to search)")
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    async def show(self, interaction: discord.Interaction, challenge: str) -> None:
        found = self.bot.service.challenge(challenge)
        if found.spec.kind != "quiz":
            await interaction.response.send_message(embed=challenge_render.challenge_embed(found), view=ChallengeView(found),
                                                    file=challenge_render.starter_file(found))
        else:
            await interaction.response.send_message(embed=challenge_render.challenge_embed(found))

    @app_commands.command(name="submit", description="Submit a solution: attach your file(s), or paste code")
    @app_commands.describe(challenge="Challenge id (start typing to search)",
                           file="Your solution (.py or .ipynb; without one, a code box opens)",
                           file2="A second file, for challenges that take several", file3="A third file",
                           file4="A fourth file")
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    @app_commands.checks.dynamic_cooldown(user_submit_cooldown, key=by_user)
    @app_commands.checks.dynamic_cooldown(guild_submit_cooldown, key=by_guild)
    async def submit(self, interaction: discord.Interaction, challenge: str, file: discord.Attachment | None = None,
                     file2: discord.Attachment | None = None, file3: discord.Attachment | None = None,
                     file4: discord.Attachment | None = None) -> None:
        found = self.bot.service.challenge(challenge)
        if found.spec.kind == "quiz":
            raise BadSubmission(f"`{found.id}` is a quiz: play it with `/quiz {found.spec.competency}`.")
        no_job_running(interaction)
        attachments = [a for a in (file, file2, file3, file4) if a is not None]
        if not attachments:
            if not found.spec.python_file:
                names = ", ".join(f"`{f.name}`" for f in found.spec.files)
                raise BadSubmission(f"`{found.id}` takes files ({names}): attach them to `/challenge submit`.")
            await interaction.response.send_modal(CodeModal(found))
            return
        limit = min(self.bot.settings.max_upload_bytes, getattr(interaction, "attachment_size_limit", None) or L.ATTACHMENT_BYTES)
        for attachment in attachments:
            if found.spec.python_file and not attachment.filename.lower().endswith(ACCEPTED):
                raise BadSubmission(f"`{render.name(attachment.filename)}` is not a .py or .ipynb file.")
            if attachment.size > limit:
                raise BadSubmission(f"`{render.name(attachment.filename)}` is {attachment.size:,} bytes; the limit is {limit:,}.")
        await interaction.response.defer(thinking=True)
        uploads = [(a.filename, await a.read()) for a in attachments]
        await LiveGrade.start(self.bot, interaction, found, uploads)

    @app_commands.command(name="resubmit", description="Edit and resubmit your last solution")
    @app_commands.describe(challenge="Which challenge (default: the one you submitted last)")
    @app_commands.autocomplete(challenge=challenge_autocomplete)
    @app_commands.checks.dynamic_cooldown(user_submit_cooldown, key=by_user)
    @app_commands.checks.dynamic_cooldown(guild_submit_cooldown, key=by_guild)
    async def resubmit(self, interaction: discord.Interaction, challenge: str | None = None) -> None:
        no_job_running(interaction)
        wanted = self.bot.service.challenge(challenge).id if challenge else None
        challenge_id, code = await self.bot.service.last_code(who_of(interaction.user), wanted)
        if not self.bot.service.challenge(challenge_id).spec.python_file:
            raise BadSubmission(f"`{challenge_id}` takes several files: attach them to `/challenge submit` again.")
        if len(code) > L.TEXT_INPUT:
            raise BadSubmission(f"Your last solution has {len(code):,} characters, more than a code box holds "
                                f"({L.TEXT_INPUT:,}); attach the file to `/challenge submit` instead.")
        await interaction.response.send_modal(CodeModal(self.bot.service.challenge(challenge_id), default=code))


async def setup(bot: TutorBot) -> None:
    await bot.add_cog(Challenges(bot))
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    bot.resumed.extend(await reattach(bot))  # verdicts owed from before a restart still reach their messages
