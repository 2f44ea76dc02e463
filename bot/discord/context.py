"""What every feature needs to know about an interaction, in one place: who acts (`who_of`),
where (`where_of`, `guild_where`), whether they are a mentor (`is_mentor`, `require_mentor`, the
`mentor_only` check), the shared command options (challenge autocomplete, competency choices,
per-user cooldowns) and the guild's completion role, which both a challenge's first pass and a
passed quiz grant.

Features import this module and `bot.discord.base`, never each other (an import-linter contract
holds them to it); `tutor(interaction)` gives the bot without importing it at run time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.discord import limits as L
from bot.discord import render
from bot.discord.errors import NotMentor
from bot.errors import NotFound, TutorError
from bot.service import Where, Who
from challenges.catalogue import COMPETENCIES

if TYPE_CHECKING:
    from bot.discord.client import TutorBot

log = logging.getLogger("tutor.discord")


#: Posts a text with its allowed mentions where a verdict went (a followup, or the channel).
Announce = Callable[[str, discord.AllowedMentions], Awaitable[object]]


def tutor(interaction: discord.Interaction) -> TutorBot:
    return cast("TutorBot", interaction.client)


# --------------------------------------------------------------------------- who and where


def who_of(user: discord.abc.User) -> Who:
    return Who(str(user.id), getattr(user, "display_name", None) or user.name)


def where_of(interaction: discord.Interaction) -> Where | None:
    return where_of_guild(interaction.guild) if interaction.guild is not None else None


def where_of_guild(guild: discord.Guild) -> Where:
    return Where(str(guild.id), guild.name)


def guild_where(interaction: discord.Interaction) -> Where:
    """The guild of a guild-only action; a DM gets a friendly refusal."""
    where = where_of(interaction)
    if where is None:
        raise TutorError("This works inside a server only.")
    return where


# --------------------------------------------------------------------------- mentors


async def is_mentor(interaction: discord.Interaction) -> bool:
    """Manage Server, or the guild's mentor role (`/admin mentor-role`)."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_guild:
        return True
    settings = await tutor(interaction).service.guild_settings(guild_where(interaction))
    return settings.mentor_role_id is not None and any(str(r.id) == settings.mentor_role_id for r in member.roles)


async def require_mentor(interaction: discord.Interaction) -> None:
    if not await is_mentor(interaction):
        raise NotMentor("Only mentors can do that: ask a server admin for the mentor role (`/admin mentor-role`).")


async def mentor_only(interaction: discord.Interaction) -> bool:
    """An `app_commands.check`: mentors only (the error handler explains the refusal)."""
    await require_mentor(interaction)
    return True


# --------------------------------------------------------------------------- shared options


COMPETENCY_CHOICES = [app_commands.Choice(name=render.clip(f"{n}. {title}", L.CHOICE_NAME), value=n)
                      for n, title in COMPETENCIES.items()]


async def challenge_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Ids or titles containing what was typed: in memory, 25 at most, well inside 3 s."""
    hits = tutor(interaction).service.search_ids(current, limit=L.AUTOCOMPLETE_CHOICES)
    return [app_commands.Choice(name=render.clip(f"{c.id} · {c.spec.title}", L.CHOICE_NAME), value=c.id) for c in hits]


def query_cooldown(interaction: discord.Interaction) -> app_commands.Cooldown | None:
    per = tutor(interaction).settings.command_cooldown_s
    return app_commands.Cooldown(1, per) if per > 0 else None


def by_user(interaction: discord.Interaction) -> int:
    return interaction.user.id


def by_guild(interaction: discord.Interaction) -> int:
    return interaction.guild_id or interaction.user.id


# --------------------------------------------------------------------------- completion role


async def grant_completion_role(interaction: discord.Interaction, competency: int) -> None:
    """Give the guild's completion role when the learner has completed a whole competency."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        return

    async def announce(text: str, mentions: discord.AllowedMentions) -> None:
        await interaction.followup.send(text, allowed_mentions=mentions)

    await grant_completion_role_to(tutor(interaction), interaction.guild, member, competency, announce)


async def grant_completion_role_to(bot: TutorBot, guild: discord.Guild, member: discord.Member, competency: int,
                                   announce: Announce) -> None:
    """The role grant itself, for a live interaction or a verdict delivered after a restart;
    ``announce`` posts the congratulation where the verdict went."""
    service = bot.service
    try:
        settings = await service.guild_settings(where_of_guild(guild))
        if not settings.completion_role_id:
            return
        role = guild.get_role(int(settings.completion_role_id))
        if role is None or role in member.roles:
            return
        if not await service.competency_complete(who_of(member), competency):
            return
        await member.add_roles(role, reason=f"completed competency {competency}")
        await announce(f"🎓 {member.mention} completed competency {competency} and earned {role.mention}!",
                       discord.AllowedMentions(users=[member]))
    except (discord.HTTPException, TutorError, NotFound) as exc:
        log.warning("could not grant the completion role to %s: %s", member.id, exc)
