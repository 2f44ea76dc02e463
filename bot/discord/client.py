"""`TutorBot`: a `commands.Bot` holding the tutor service, plus the flows several cogs and views share
(mentor checks, review requests and posts, the completion role).

Start-up follows discord.py practice: async setup in `setup_hook` (extensions, persistent
dynamic buttons), no syncing on start (`@bot sync` by an owner, or `tutor commands --sync`),
`Intents.default()` only: slash commands, attachments and modals need no privileged intent.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import discord
from discord.ext import commands

from bot.discord import render
from bot.discord.errors import NotMentor, TutorTree
from bot.discord.live_grade import JobRunner, LiveGrade, ResumedGrade, reattach, run_directly, where_of, who_of
from bot.discord.views import DYNAMIC_ITEMS, review_notice, review_panel
from bot.errors import NotFound, TutorError
from bot.service import TutorService, Where
from bot.settings import Settings

log = logging.getLogger("tutor.discord")

EXTENSIONS = (
    "bot.discord.cogs.challenges",
    "bot.discord.cogs.learning",
    "bot.discord.cogs.reviews",
    "bot.discord.cogs.admin",
    "bot.discord.cogs.owner",
)


class TutorBot(commands.Bot):
    def __init__(self, service: TutorService, settings: Settings, *, job_runner: JobRunner | None = None) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            owner_ids=set(settings.owner_ids) or None,
            help_command=None,
            tree_cls=TutorTree,
        )
        self.service = service
        self.settings = settings
        self.job_runner: JobRunner = job_runner or run_directly
        self.jobs: dict[int, LiveGrade] = {}
        #: submission id -> (channel id, message id) of its verdict, for review threads
        self.submission_messages: dict[int, tuple[int, int]] = {}
        self.resumed: list[ResumedGrade] = []

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        self.resumed = await reattach(self)  # verdicts owed from before a restart still reach their messages

    async def close(self) -> None:
        tasks = [job.task for job in self.jobs.values()] + [job.task for job in self.resumed]
        for task in tasks:
            if task is not None:
                task.cancel()
        await super().close()

    # ------------------------------------------------------------------ mentors
    async def is_mentor(self, interaction: discord.Interaction) -> bool:
        member = interaction.user
        if interaction.guild is None or not isinstance(member, discord.Member):
            return False
        if member.guild_permissions.manage_guild:
            return True
        settings = await self.service.guild_settings(self._where(interaction))
        return settings.mentor_role_id is not None and any(str(r.id) == settings.mentor_role_id for r in member.roles)

    async def require_mentor(self, interaction: discord.Interaction) -> None:
        if not await self.is_mentor(interaction):
            raise NotMentor("Only mentors can do that: ask a server admin for the mentor role (`/admin mentor-role`).")

    def _where(self, interaction: discord.Interaction) -> Where:
        where = where_of(interaction)
        if where is None:
            raise TutorError("This works inside a server only.")
        return where

    # ------------------------------------------------------------------ reviews
    async def request_review(self, interaction: discord.Interaction, submission_id: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        request = await self.service.request_review(who_of(interaction.user), where_of(interaction), submission_id)
        posted = ""
        if interaction.guild is not None:
            settings = await self.service.guild_settings(self._where(interaction))
            channel = interaction.guild.get_channel(int(settings.review_channel_id)) if settings.review_channel_id else None
            if isinstance(channel, discord.TextChannel):
                role = interaction.guild.get_role(int(settings.mentor_role_id)) if settings.mentor_role_id else None
                submission, _ = await self.service.submission_detail(submission_id)
                text = (f"{role.mention + ' ' if role else ''}{render.name(interaction.user.display_name)} asks for a "
                        f"review of submission #{submission_id} (`{submission.challenge_id}`).")
                try:
                    await channel.send(text, view=review_notice(request.id),
                                       allowed_mentions=discord.AllowedMentions(roles=[role] if role else False))
                    posted = f" Mentors were notified in {channel.mention}."
                except discord.HTTPException:
                    log.warning("cannot post to the review channel %s", channel.id)
        await interaction.followup.send(
            f"🙋 Review requested for submission #{submission_id}.{posted} You will be notified in a thread on your "
            "submission; reviews also show in `/progress`.", ephemeral=True)

    async def open_review(self, interaction: discord.Interaction, request_id: int) -> None:
        await self.require_mentor(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        item = await self.service.open_review(where_of(interaction), request_id)
        await interaction.followup.send(embed=render.review_item_embed(item), file=render.code_file(item),
                                        view=review_panel(request_id), ephemeral=True)

    async def post_review(self, interaction: discord.Interaction, request_id: int, verdict: str, comment: str) -> None:
        await self.require_mentor(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        review = await self.service.post_review(who_of(interaction.user), where_of(interaction), request_id, verdict, comment)
        thread = await self._review_thread(interaction, review.submission_id, review.challenge_id, review.learner.display_name)
        where = ""
        if thread is not None:
            learner = discord.Object(int(review.learner.discord_id)) if review.learner.discord_id.isdigit() else None
            await thread.send(
                f"<@{review.learner.discord_id}>, a mentor reviewed your submission:" if learner else "A mentor reviewed this submission:",
                embed=render.review_embed(review),
                allowed_mentions=discord.AllowedMentions(users=[learner] if learner else False),
            )
            where = f" The learner was notified in {thread.mention}."
        await interaction.followup.send(f"Review posted.{where}", ephemeral=True)

    async def _review_thread(self, interaction: discord.Interaction, submission_id: int, challenge_id: str,
                             learner: str) -> discord.Thread | None:
        """The thread on the submission's verdict message (created on first use), or one in this channel."""
        name = render.thread_name(challenge_id, learner)
        known = self.submission_messages.get(submission_id)
        try:
            if known is not None:
                channel = self.get_channel(known[0])
                if isinstance(channel, discord.TextChannel):
                    message = await channel.fetch_message(known[1])
                    if message.thread is not None:
                        return message.thread
                    return await message.create_thread(name=name, auto_archive_duration=1440)
            channel = interaction.channel
            if isinstance(channel, discord.Thread):
                return channel
            if isinstance(channel, discord.TextChannel):
                anchor = await channel.send(f"Review of submission #{submission_id} (`{challenge_id}`)")
                return await anchor.create_thread(name=name, auto_archive_duration=1440)
        except discord.HTTPException as exc:
            log.warning("cannot open a review thread for #%s: %s", submission_id, exc)
        return None

    # ------------------------------------------------------------------ completion role
    async def grant_completion_role(self, interaction: discord.Interaction, competency: int) -> None:
        """Give the guild's completion role when the learner has completed a whole competency."""
        member = interaction.user
        if interaction.guild is None or not isinstance(member, discord.Member):
            return
        try:
            settings = await self.service.guild_settings(self._where(interaction))
            if not settings.completion_role_id:
                return
            role = interaction.guild.get_role(int(settings.completion_role_id))
            if role is None or role in member.roles:
                return
            if not await self.service.competency_complete(who_of(member), competency):
                return
            await member.add_roles(role, reason=f"completed competency {competency}")
            await interaction.followup.send(
                f"🎓 {member.mention} completed competency {competency} and earned {role.mention}!",
                allowed_mentions=discord.AllowedMentions(users=[member]))
        except (discord.HTTPException, TutorError, NotFound) as exc:
            log.warning("could not grant the completion role to %s: %s", member.id, exc)


def build_bot(service: TutorService, settings: Settings, *, job_runner: JobRunner | None = None) -> TutorBot:
    return TutorBot(service, settings, job_runner=job_runner)


async def run_bot(settings: Settings) -> None:
    """`tutor bot`: wire the service, log in and serve until SIGTERM / Ctrl-C."""
    from bot.app import tutor_service

    assert settings.discord_token is not None
    discord.utils.setup_logging(level=logging.INFO, root=False)
    logging.getLogger("discord.http").setLevel(logging.WARNING)
    async with tutor_service(settings) as service:
        bot = build_bot(service, settings)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
            except (NotImplementedError, RuntimeError):
                pass
        async with bot:
            await bot.start(settings.discord_token.get_secret_value())

