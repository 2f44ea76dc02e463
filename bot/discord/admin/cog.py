"""`/admin ...`: per-guild settings (mentor role, review channel, completion role) and hiding a
cheating result from every board (`invalidate` / `restore`). Manage Server only."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.admin.render import settings_text
from bot.discord.context import guild_where, who_of

if TYPE_CHECKING:
    from bot.discord.client import TutorBot


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class Admin(commands.GroupCog, group_name="admin", group_description="Server settings for the tutor (Manage Server)"):
    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot

    async def _set(self, interaction: discord.Interaction, field: str, value: str | None, what: str) -> None:
        where = guild_where(interaction)
        await self.bot.service.set_guild_setting(where, field, value)
        await interaction.response.send_message(f"{what}: {'cleared' if value is None else 'saved'}.", ephemeral=True)

    @app_commands.command(name="mentor-role", description="The role whose members review submissions (omit to clear)")
    @app_commands.describe(role="Mentor role")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def mentor_role(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        await self._set(interaction, "mentor_role_id", str(role.id) if role else None,
                        f"Mentor role {role.mention if role else ''}".strip())

    @app_commands.command(name="review-channel", description="Where review requests are announced (omit to clear)")
    @app_commands.describe(channel="A text channel the bot can post in")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def review_channel(self, interaction: discord.Interaction, channel: discord.TextChannel | None = None) -> None:
        if channel is not None:
            mine = channel.permissions_for(channel.guild.me)
            if not (mine.send_messages and mine.create_public_threads):
                raise app_commands.BotMissingPermissions(["send_messages", "create_public_threads"])
        await self._set(interaction, "review_channel_id", str(channel.id) if channel else None,
                        f"Review channel {channel.mention if channel else ''}".strip())

    @app_commands.command(name="completion-role", description="Role granted when a learner completes a competency (omit to clear)")
    @app_commands.describe(role="A role below the bot's highest role")
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.checks.bot_has_permissions(manage_roles=True)
    async def completion_role(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        if role is not None and interaction.guild is not None and role >= interaction.guild.me.top_role:
            raise app_commands.CheckFailure(f"{role.name} is above my highest role, so I could not grant it; move my role higher.")
        await self._set(interaction, "completion_role_id", str(role.id) if role else None,
                        f"Completion role {role.mention if role else ''}".strip())

    @app_commands.command(name="invalidate", description="Hide a cheating result from every board (kept as evidence)")
    @app_commands.describe(submission="The submission number (#N in its verdict)", reason="Shown to the learner")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def invalidate(self, interaction: discord.Interaction, submission: app_commands.Range[int, 1],
                         reason: app_commands.Range[str, 3, 500]) -> None:
        where = guild_where(interaction)
        item = await self.bot.service.invalidate(who_of(interaction.user), submission, reason, where)
        told = await self._tell(item.learner.discord_id if item.learner else None,
                                f"An admin of {interaction.guild.name if interaction.guild else 'a server'} invalidated "
                                f"your submission #{item.submission_id} ({item.challenge_id}): {item.reason}")
        await interaction.response.send_message(
            f"Submission #{item.submission_id} no longer counts on any board; points and ranks are recomputed. "
            + ("The learner was told why by DM." if told else "The learner sees why in /progress (their DMs are closed)."),
            ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    @app_commands.command(name="restore", description="Undo an invalidation: the result counts again")
    @app_commands.describe(submission="The submission number")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def restore(self, interaction: discord.Interaction, submission: app_commands.Range[int, 1]) -> None:
        where = guild_where(interaction)
        await self.bot.service.restore(who_of(interaction.user), submission, where)
        await interaction.response.send_message(f"Submission #{submission} counts again.", ephemeral=True)

    async def _tell(self, discord_id: str | None, text: str) -> bool:
        """DM the learner; False when that is not possible (closed DMs, unknown user)."""
        if discord_id is None or not discord_id.isdigit():
            return False
        try:
            user = self.bot.get_user(int(discord_id)) or await self.bot.fetch_user(int(discord_id))
            await user.send(text[:2000], allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            return False
        return True

    @app_commands.command(name="settings", description="Show this server's tutor settings")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def settings(self, interaction: discord.Interaction) -> None:
        current = await self.bot.service.guild_settings(guild_where(interaction))
        await interaction.response.send_message(settings_text(current), ephemeral=True)


async def setup(bot: TutorBot) -> None:
    await bot.add_cog(Admin(bot))
