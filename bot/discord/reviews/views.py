"""The reviews feature's flows and views: a learner asks for a review (the request is announced
in the guild's review channel with an Open button), a mentor opens it (code, checks and
diagnoses, with Approve / Needs work), writes the review in a modal, and the learner is told in
a thread on the submission's verdict message. Every button here survives a restart.
"""

from __future__ import annotations

import logging
import re

import discord

from bot.discord import limits as L
from bot.discord import render
from bot.discord.base import PersistentButton, TutorModal, TutorView, persistent_view
from bot.discord.context import guild_where, require_mentor, tutor, where_of, who_of
from bot.discord.reviews import render as review_render
from bot.errors import TutorError

log = logging.getLogger("tutor.discord.reviews")


# --------------------------------------------------------------------------- flows


async def request_review(interaction: discord.Interaction, submission_id: int) -> None:
    """A learner asks for a review; the guild's review channel (if set) hears of it."""
    service = tutor(interaction).service
    await interaction.response.defer(ephemeral=True, thinking=True)
    request = await service.request_review(who_of(interaction.user), where_of(interaction), submission_id)
    posted = ""
    if interaction.guild is not None:
        settings = await service.guild_settings(guild_where(interaction))
        channel = interaction.guild.get_channel(int(settings.review_channel_id)) if settings.review_channel_id else None
        if isinstance(channel, discord.TextChannel):
            role = interaction.guild.get_role(int(settings.mentor_role_id)) if settings.mentor_role_id else None
            submission, _ = await service.submission_detail(submission_id)
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


async def open_review(interaction: discord.Interaction, request_id: int) -> None:
    """A mentor reads a request: the code attached, Approve / Needs work below."""
    await require_mentor(interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)
    item = await tutor(interaction).service.open_review(where_of(interaction), request_id)
    await interaction.followup.send(embed=review_render.review_item_embed(item), file=review_render.code_file(item),
                                    view=review_panel(request_id), ephemeral=True)


async def post_review(interaction: discord.Interaction, request_id: int, verdict: str, comment: str) -> None:
    """A mentor's review is stored and the learner is told in the submission's thread."""
    await require_mentor(interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)
    review = await tutor(interaction).service.post_review(who_of(interaction.user), where_of(interaction), request_id,
                                                          verdict, comment)
    thread = await review_thread(interaction, review.submission_id, review.challenge_id, review.learner.display_name)
    where = ""
    if thread is not None:
        learner = discord.Object(int(review.learner.discord_id)) if review.learner.discord_id.isdigit() else None
        await thread.send(
            f"<@{review.learner.discord_id}>, a mentor reviewed your submission:" if learner else "A mentor reviewed this submission:",
            embed=review_render.review_embed(review),
            allowed_mentions=discord.AllowedMentions(users=[learner] if learner else False),
        )
        where = f" The learner was notified in {thread.mention}."
    await interaction.followup.send(f"Review posted.{where}", ephemeral=True)


async def review_thread(interaction: discord.Interaction, submission_id: int, challenge_id: str,
                        learner: str) -> discord.Thread | None:
    """The thread on the submission's verdict message (created on first use), or one in this channel."""
    bot = tutor(interaction)
    name = review_render.thread_name(challenge_id, learner)
    try:
        delivered = await bot.service.reply_of(submission_id)
        channel_id, message_id = delivered.get("channel_id"), delivered.get("message_id")
        if channel_id and message_id:
            channel = bot.get_channel(int(channel_id))
            if isinstance(channel, discord.TextChannel):
                message = await channel.fetch_message(int(message_id))
                if message.thread is not None:
                    return message.thread
                return await message.create_thread(name=name, auto_archive_duration=1440)
        channel = interaction.channel
        if isinstance(channel, discord.Thread):
            return channel
        if isinstance(channel, discord.TextChannel):
            anchor = await channel.send(f"Review of submission #{submission_id} (`{challenge_id}`)")
            return await anchor.create_thread(name=name, auto_archive_duration=1440)
    except (discord.HTTPException, TutorError) as exc:
        log.warning("cannot open a review thread for #%s: %s", submission_id, exc)
    return None


# --------------------------------------------------------------------------- buttons, modal, queue


class RequestReviewButton(PersistentButton, template=r"tutor:askreview:(?P<sid>\d+)"):
    """"Ask a mentor" under a verdict (added to the challenges feature's verdict view)."""

    def __init__(self, submission_id: int) -> None:
        super().__init__(f"tutor:askreview:{submission_id}", label="Ask a mentor", emoji="🙋")
        self.submission_id = submission_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> RequestReviewButton:
        return cls(int(match["sid"]))

    async def pressed(self, interaction: discord.Interaction) -> None:
        await request_review(interaction, self.submission_id)


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
        await post_review(interaction, self.request_id, self.verdict, self.comment.value)


class ReviewVerdictButton(PersistentButton, template=r"tutor:review:(?P<verdict>approve|needs_work):(?P<rid>\d+)"):
    def __init__(self, verdict: str, request_id: int) -> None:
        approve = verdict == "approve"
        super().__init__(f"tutor:review:{verdict}:{request_id}", label="Approve" if approve else "Needs work",
                         emoji="👍" if approve else "🛠️",
                         style=discord.ButtonStyle.success if approve else discord.ButtonStyle.secondary)
        self.verdict = verdict
        self.request_id = request_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ReviewVerdictButton:
        return cls(match["verdict"], int(match["rid"]))

    async def pressed(self, interaction: discord.Interaction) -> None:
        await require_mentor(interaction)
        await interaction.response.send_modal(ReviewModal(self.request_id, self.verdict))


class OpenReviewButton(PersistentButton, template=r"tutor:review:open:(?P<rid>\d+)"):
    def __init__(self, request_id: int) -> None:
        super().__init__(f"tutor:review:open:{request_id}", label="Open for review", emoji="🔎",
                         style=discord.ButtonStyle.primary)
        self.request_id = request_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> OpenReviewButton:
        return cls(int(match["rid"]))

    async def pressed(self, interaction: discord.Interaction) -> None:
        await open_review(interaction, self.request_id)


def review_panel(request_id: int) -> discord.ui.View:
    return persistent_view(ReviewVerdictButton("approve", request_id), ReviewVerdictButton("needs_work", request_id))


def review_notice(request_id: int) -> discord.ui.View:
    return persistent_view(OpenReviewButton(request_id))


class ReviewQueueView(TutorView):
    """A select of waiting requests (25 at most); picking one opens it for the mentor."""

    def __init__(self, owner_id: int, options: list[discord.SelectOption]) -> None:
        super().__init__(owner_id, timeout=600)
        self.pick: discord.ui.Select[ReviewQueueView] = discord.ui.Select(
            placeholder="Open a request to review", options=options[: L.SELECT_OPTIONS])
        self.pick.callback = self._picked  # type: ignore[method-assign]
        self.add_item(self.pick)

    async def _picked(self, interaction: discord.Interaction) -> None:
        await open_review(interaction, int(self.pick.values[0]))


DYNAMIC_ITEMS: tuple[type[PersistentButton], ...] = (RequestReviewButton, ReviewVerdictButton, OpenReviewButton)
