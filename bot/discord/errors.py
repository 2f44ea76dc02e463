"""The one error handler: every failure of a command, view or modal ends here as an ephemeral,
friendly reply. Service errors (`TutorError`) are user-safe and shown as they are; anything
unexpected is logged with its traceback and the learner gets a short apology.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.errors import TutorError

log = logging.getLogger("tutor.discord")


class NotMentor(app_commands.CheckFailure):
    """The member lacks the guild's mentor role (or Manage Server)."""


class NotYours(app_commands.CheckFailure):
    """A button or select of somebody else's message."""


def friendly(error: BaseException) -> str:
    """The message a learner sees for ``error``."""
    original = getattr(error, "original", None) or error.__cause__ or error
    if isinstance(error, app_commands.CommandInvokeError) and error.original is not None:
        original = error.original
    if isinstance(original, TutorError):
        return str(original)
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.MissingPermissions):
        return "You need the " + ", ".join(p.replace("_", " ").title() for p in error.missing_permissions) + " permission for this."
    if isinstance(error, app_commands.BotMissingPermissions):
        return ("I need the " + ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
                + " permission here; ask a server admin.")
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works inside a server only."
    if isinstance(error, NotMentor | NotYours):
        return str(error)
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You cannot use this command here."
    if isinstance(original, discord.Forbidden):
        return "Discord refused that: I am missing a permission in this channel (ask a server admin)."
    if isinstance(error, app_commands.TransformerError):
        return f"I could not understand `{error.value}` for that option."
    return "Something went wrong on our side; it has been logged. Please try again in a moment."


def expected(error: BaseException) -> bool:
    original = getattr(error, "original", None) or error
    return isinstance(original, TutorError) or (isinstance(error, app_commands.AppCommandError) and not isinstance(
        error, app_commands.CommandInvokeError
    ))


async def reply_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Log as needed and answer ephemerally, whether or not the interaction was answered already."""
    if not expected(error):
        command = interaction.command.qualified_name if interaction.command else interaction.data and interaction.data.get("custom_id")
        log.error("unhandled error in %s", command, exc_info=error)
    message = friendly(error)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
        else:
            await interaction.response.send_message(message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id)


class TutorTree(app_commands.CommandTree["discord.Client"]):
    """The command tree with the central error handler."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await reply_error(interaction, error)
