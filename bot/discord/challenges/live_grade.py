"""Live grading on Discord: one message, edited from "queued" through training progress to the verdict.

The caller has already deferred the interaction (always within the 3-second window). A
`LiveGrade` enqueues the submission (storing which message its verdict belongs to) and follows
the job through the database relay, wherever it runs (the bot's own pool or a `tutor worker`):
progress events are coalesced into at most one edit per ``progress_edit_interval_s``, the author
gets a Cancel button (a cancel request in the database, which the job polls), and it ends with the
verdict embed, a loss-curve image and the full output attached when it had to be cut. The
interaction token lives 15 minutes: close to its end, updates continue as a channel message sent
with the bot token. A bot that restarts re-attaches to every verdict still owed (`reattach`): it
edits the original message while its token lives, and posts in the channel once it expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.discord.challenges import render
from bot.discord.challenges.views import VerdictView
from bot.discord.context import grant_completion_role, grant_completion_role_to, where_of, who_of
from bot.errors import Busy, Cancelled, TutorError
from bot.service import PendingDelivery, Verdict
from challenges.catalogue import Challenge

if TYPE_CHECKING:
    from bot.discord.client import TutorBot

log = logging.getLogger("tutor.discord.grading")

class CancelButton(discord.ui.Button["CancelView"]):
    def __init__(self, job: LiveGrade) -> None:
        super().__init__(label="Cancel", style=discord.ButtonStyle.danger, emoji="⏹️",
                         custom_id=f"tutor:cancel:{job.user.id}:{job.key}")
        self.job = job

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.job.user.id:
            await interaction.response.send_message("Only the author of this submission can cancel it.", ephemeral=True)
            return
        await interaction.response.defer()
        self.job.cancel()


class CancelView(discord.ui.View):
    def __init__(self, job: LiveGrade) -> None:
        super().__init__(timeout=None)
        self.add_item(CancelButton(job))

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        from bot.discord.errors import reply_error

        await reply_error(interaction, error)


class LiveGrade:
    """One grading job shown on Discord."""

    _keys = 0

    def __init__(self, bot: TutorBot, interaction: discord.Interaction, challenge: Challenge,
                 uploads: list[tuple[str, bytes]]) -> None:
        LiveGrade._keys += 1
        self.key = LiveGrade._keys
        self.bot = bot
        self.interaction = interaction
        self.user = interaction.user
        self.challenge = challenge
        self.uploads = uploads
        self.state: dict[str, Any] = {"phase": "queued"}
        self.task: asyncio.Task[None] | None = None
        self.channel_message: discord.Message | None = None
        self.cancelled = False
        self.finished = False
        self._last_edit = -1e9
        self._flush: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.view = CancelView(self)
        self.submission_id: int | None = None
        self._cancelling: asyncio.Task[None] | None = None

    # ---------------------------------------------------------------- lifecycle
    @classmethod
    async def start(cls, bot: TutorBot, interaction: discord.Interaction, challenge: Challenge,
                    uploads: list[tuple[str, bytes]]) -> LiveGrade:
        """Start grading; the interaction must already be deferred."""
        if interaction.user.id in bot.jobs:
            raise Busy("You already have a submission being graded; wait for its verdict (or cancel it).")
        job = cls(bot, interaction, challenge, uploads)
        bot.jobs[interaction.user.id] = job
        job.task = asyncio.create_task(job._run(), name=f"grade-{challenge.id}-{interaction.user.id}")
        return job

    def cancel(self) -> None:
        """The author pressed Cancel: ask the job to stop (it polls the database, wherever it
        runs); before the submission is stored, stopping this task is enough."""
        self.cancelled = True
        if self.submission_id is not None:
            self._cancelling = asyncio.create_task(self._request_cancel())
        elif self.task is not None and not self.task.done():
            self.task.cancel()

    def reply(self) -> dict[str, Any]:
        """Where the verdict goes, stored with the job so that a restarted bot can deliver it."""
        interaction = self.interaction
        return {"via": "discord", "application_id": interaction.application_id, "token": interaction.token,
                "expires_at": interaction.expires_at.isoformat(), "channel_id": interaction.channel_id,
                "guild_id": interaction.guild_id, "user_id": self.user.id,
                "user_name": getattr(self.user, "display_name", None) or self.user.name}

    async def _grade(self) -> Verdict:
        service = self.bot.service
        self.submission_id = await service.enqueue_files(
            who_of(self.user), where_of(self.interaction), self.challenge.id, self.uploads, reply=self.reply())
        if self.cancelled:  # pressed while the submission was being stored
            await self._request_cancel()
        return await service.follow(self.submission_id, on_event=self.on_event)

    async def _run(self) -> None:
        try:
            try:
                verdict = await self.bot.job_runner(self._grade())
            except Cancelled:
                self._stop_flush()
                await self._show(embed=render.error_embed("You cancelled this submission; the job was stopped.",
                                                          title=f"⏹️ Cancelled · {self.challenge.id}"), view=None)
                await self._delivered()
                return
            except asyncio.CancelledError:
                self._stop_flush()
                if not self.cancelled:  # the bot is shutting down: the job goes on, a restart delivers it
                    raise
                await self._show(embed=render.error_embed("You cancelled this submission; the job was stopped.",
                                                          title=f"⏹️ Cancelled · {self.challenge.id}"), view=None)
                return
            except TutorError as exc:
                self._stop_flush()
                await self._show(embed=render.error_embed(str(exc)), view=None)
                await self._delivered()
                return
            except Exception as exc:
                self._stop_flush()
                log.exception("grading %s for %s failed", self.challenge.id, self.user.id, exc_info=exc)
                await self._show(embed=render.error_embed(
                    "The grader failed on our side; this does not count against you. Please try again later."), view=None)
                return
            self._stop_flush()
            await self._verdict(verdict)
        finally:
            self.finished = True
            if self.bot.jobs.get(self.user.id) is self:
                del self.bot.jobs[self.user.id]

    async def _delivered(self) -> None:
        if self.submission_id is not None:
            with contextlib.suppress(TutorError, Exception):
                await self.bot.service.mark_delivered(self.submission_id)

    async def _request_cancel(self) -> None:
        if self.submission_id is None:
            return
        try:
            await self.bot.service.cancel(who_of(self.user), self.submission_id)
        except TutorError as exc:
            log.warning("could not cancel submission %s: %s", self.submission_id, exc)

    async def _verdict(self, verdict: Verdict) -> None:
        self.submission_id = verdict.submission_id
        message = await deliver_verdict(self.bot, verdict, self.user.display_name, self._show)
        await remember_message(self.bot, verdict.submission_id, message)
        await self._delivered()
        if verdict.first_pass:
            await grant_completion_role(self.interaction, verdict.challenge.spec.competency)

    # ---------------------------------------------------------------- progress
    async def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "queued":
            self.state.update(phase="queued", position=event.get("position"))
        elif kind == "started":
            self.state.update(phase="running", stage="load")
        elif kind == "phase":
            self.state.update(phase="running", stage=str(event.get("name"))[:20])
        elif kind == "progress":
            self.state.update(phase="running", stage="train", step=event.get("step"), loss=event.get("loss"),
                              elapsed=event.get("elapsed"))
        elif kind == "retry":
            self.state.update(retry=True)
        else:
            return
        await self._progress()

    async def _progress(self) -> None:
        interval = self.bot.settings.progress_edit_interval_s
        wait = self._last_edit + interval - time.monotonic()
        if wait <= 0:
            await self._edit_progress()
        elif self._flush is None or self._flush.done():
            self._flush = asyncio.create_task(self._flush_later(wait))

    async def _flush_later(self, wait: float) -> None:
        await asyncio.sleep(wait)
        await self._edit_progress()

    def _stop_flush(self) -> None:
        if self._flush is not None and not self._flush.done():
            self._flush.cancel()

    async def _edit_progress(self) -> None:
        if self.finished:
            return
        self._last_edit = time.monotonic()
        await self._show(embed=render.grading_embed(self.challenge, self.user.display_name, self.state), view=self.view)

    # ---------------------------------------------------------------- delivery
    def _token_fresh(self) -> bool:
        margin = dt.timedelta(seconds=self.bot.settings.interaction_token_margin_s)
        return discord.utils.utcnow() < self.interaction.expires_at - margin

    async def _show(self, *, embed: discord.Embed, view: discord.ui.View | None,
                    files: list[discord.File] | None = None) -> discord.Message | None:
        """Edit the one grading message (the interaction's, or the channel fallback once the token ages)."""
        async with self._lock:
            mentions = discord.AllowedMentions.none()
            try:
                if self.channel_message is None and self._token_fresh():
                    return await self.interaction.edit_original_response(
                        content=None, embed=embed, view=view, attachments=files or [], allowed_mentions=mentions)
                if self.channel_message is None:
                    return await self._move_to_channel(embed, view, files)
                self.channel_message = await self.channel_message.edit(
                    content=None, embed=embed, view=view, attachments=files or [], allowed_mentions=mentions)
                return self.channel_message
            except discord.HTTPException as exc:
                log.warning("could not update the grading message for %s: %s", self.user.id, exc)
                return None

    async def _move_to_channel(self, embed: discord.Embed, view: discord.ui.View | None,
                               files: list[discord.File] | None) -> discord.Message | None:
        channel = self.interaction.channel
        if channel is None or not isinstance(channel, discord.abc.Messageable):
            return None
        with contextlib.suppress(discord.HTTPException):
            await self.interaction.edit_original_response(
                embed=render.error_embed("This grading took long; it continues in a new message below.",
                                         title=f"Grading {self.challenge.id}"), view=None)
        self.channel_message = await channel.send(
            content=f"{self.user.mention}, your `{self.challenge.id}` submission:", embed=embed, view=view or discord.utils.MISSING,
            files=files or discord.utils.MISSING, allowed_mentions=discord.AllowedMentions(users=[self.user]),
        )
        return self.channel_message


Show = Callable[..., Awaitable["discord.Message | None"]]


async def deliver_verdict(bot: TutorBot, verdict: Verdict, user_name: str, show: Show) -> discord.Message | None:
    """The verdict embed with its pictures and output, shown through ``show`` (live or re-attached)."""
    files, has_curve = await asyncio.to_thread(render.verdict_files, verdict.report)
    attached = any(f.filename == "output.txt" for f in files)
    embed = render.verdict_embed(verdict, user_name, has_curve=has_curve, output_attached=attached)
    message: discord.Message | None = await show(embed=embed, view=VerdictView(verdict.submission_id, verdict.challenge.id, bot.verdict_actions),
                                                 files=files)
    return message


async def remember_message(bot: TutorBot, submission_id: int, message: discord.Message | None) -> None:
    """Store where the verdict landed with its job: a mentor's review thread opens on that
    message, whether or not this process delivered it."""
    if message is None:
        return
    with contextlib.suppress(TutorError, Exception):
        await bot.service.attach_reply(submission_id, {"message_id": message.id, "channel_id": message.channel.id})


class ResumedGrade:
    """A verdict owed to a Discord message from before a restart: follow the job in the database
    and deliver it there (the original message while its token lives, else the channel)."""

    def __init__(self, bot: TutorBot, pending: PendingDelivery) -> None:
        self.bot = bot
        self.pending = pending
        self.reply = pending.reply
        self.task: asyncio.Task[None] | None = None

    def _token_fresh(self) -> bool:
        try:
            expires = dt.datetime.fromisoformat(str(self.reply.get("expires_at")))
        except ValueError:
            return False
        margin = dt.timedelta(seconds=self.bot.settings.interaction_token_margin_s)
        return discord.utils.utcnow() < expires - margin

    async def run(self) -> None:
        service = self.bot.service
        user_name = str(self.reply.get("user_name") or "you")
        try:
            verdict = await service.follow(self.pending.submission_id)
        except Cancelled:
            await self._show(embed=render.error_embed("This submission was cancelled; the job was stopped.",
                                                      title=f"⏹️ Cancelled · {self.pending.challenge_id}"), view=None)
        except TutorError as exc:
            await self._show(embed=render.error_embed(str(exc)), view=None)
        else:
            message = await deliver_verdict(self.bot, verdict, user_name, self._show)
            await remember_message(self.bot, verdict.submission_id, message)
            if verdict.first_pass:
                await self._grant_completion_role(verdict.challenge.spec.competency)
        with contextlib.suppress(TutorError, Exception):
            await service.mark_delivered(self.pending.submission_id)

    async def _grant_completion_role(self, competency: int) -> None:
        """The role a live verdict would have granted; the congratulation goes to the channel."""
        guild_id, user_id, channel_id = (self.reply.get(k) for k in ("guild_id", "user_id", "channel_id"))
        guild = self.bot.get_guild(int(guild_id)) if guild_id else None
        if guild is None or not user_id:
            return
        try:
            member = guild.get_member(int(user_id)) or await guild.fetch_member(int(user_id))
            channel = self.bot.get_channel(int(channel_id)) if channel_id else None
        except discord.HTTPException as exc:  # the learner left the server meanwhile
            log.warning("no member %s to grant the completion role: %s", user_id, exc)
            return

        async def announce(text: str, mentions: discord.AllowedMentions) -> None:
            if isinstance(channel, discord.abc.Messageable):
                await channel.send(text, allowed_mentions=mentions)

        await grant_completion_role_to(self.bot, guild, member, competency, announce)

    async def _show(self, *, embed: discord.Embed, view: discord.ui.View | None,
                    files: list[discord.File] | None = None) -> discord.Message | None:
        mentions = discord.AllowedMentions.none()
        if self._token_fresh() and self.reply.get("application_id") and self.reply.get("token"):
            webhook = discord.Webhook.partial(int(self.reply["application_id"]), str(self.reply["token"]), client=self.bot)
            try:
                original: Any = "@original"  # the interaction's own message (Discord's webhook alias)
                return await webhook.edit_message(original, content=None, embed=embed, view=view or discord.utils.MISSING,
                                                  attachments=files or [], allowed_mentions=mentions)
            except (discord.HTTPException, ValueError) as exc:
                log.warning("could not edit the original message of #%s: %s", self.pending.submission_id, exc)
        return await self._post(embed, view, files)

    async def _post(self, embed: discord.Embed, view: discord.ui.View | None,
                    files: list[discord.File] | None) -> discord.Message | None:
        channel_id = self.reply.get("channel_id")
        if not channel_id:
            return None
        try:
            channel = self.bot.get_channel(int(channel_id)) or await self.bot.fetch_channel(int(channel_id))
            if not isinstance(channel, discord.abc.Messageable):
                return None
            user_id = self.reply.get("user_id")
            mention = f"<@{user_id}>, your" if user_id else "Your"
            return await channel.send(
                content=f"{mention} `{self.pending.challenge_id}` submission:", embed=embed,
                view=view or discord.utils.MISSING, files=files or discord.utils.MISSING,
                allowed_mentions=discord.AllowedMentions(users=[discord.Object(int(user_id))] if user_id else False))
        except discord.HTTPException as exc:
            log.warning("could not post the verdict of #%s: %s", self.pending.submission_id, exc)
            return None


async def reattach(bot: TutorBot) -> list[ResumedGrade]:
    """On start: follow every job whose verdict has not reached its Discord message yet."""
    resumed: list[ResumedGrade] = []
    service = getattr(bot, "service", None)
    if service is None:  # an offline bot (`tutor commands`) has no service
        return resumed
    for pending in await service.pending_deliveries("discord"):
        job = ResumedGrade(bot, pending)
        job.task = asyncio.create_task(job.run(), name=f"resume-{pending.submission_id}")
        resumed.append(job)
    if resumed:
        log.info("re-attached to %d grading jobs from before the restart", len(resumed))
    return resumed
