"""`@bot sync [guild|global|copy]`: the owner-only, explicit command-tree sync (never on start).

A mention prefix needs no privileged intent: Discord delivers a message's content to the bot
when it mentions the bot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

if TYPE_CHECKING:
    from bot.discord.client import TutorBot


class Owner(commands.Cog):
    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot

    @commands.command(name="sync")
    @commands.is_owner()
    async def sync(self, ctx: commands.Context[TutorBot], scope: str = "guild") -> None:
        """guild (default): the commands copied to this server, instantly; global: everywhere; clear: remove this server's copy."""
        if scope == "global":
            synced = await self.bot.tree.sync()
            await ctx.reply(f"Synced {len(synced)} global commands (they may take a while to appear).")
            return
        if ctx.guild is None:
            await ctx.reply("Use `sync global` in a DM, or run this in a server.")
            return
        target = discord.Object(ctx.guild.id)
        if scope == "clear":
            self.bot.tree.clear_commands(guild=target)
        else:
            self.bot.tree.copy_global_to(guild=target)
        synced = await self.bot.tree.sync(guild=target)
        await ctx.reply(f"Synced {len(synced)} commands to this server.")

    async def cog_command_error(self, ctx: commands.Context[TutorBot], error: Exception) -> None:  # type: ignore[override]
        if isinstance(error, commands.NotOwner):
            await ctx.reply("Only the bot's owners can sync commands.")
        else:
            raise error


async def setup(bot: TutorBot) -> None:
    await bot.add_cog(Owner(bot))
