"""The command payloads: built offline exactly as `CommandTree.sync` serialises them, checked
against the docs' limits (which discord.py and the OpenAPI schema do not fully enforce), and
synced only on request (`tutor commands --sync`, or `@bot sync` by an owner).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.discord import limits as L

if TYPE_CHECKING:
    from bot.discord.client import TutorBot

SUBCOMMAND, GROUP = 1, 2
CHAT_INPUT, USER, MESSAGE = 1, 2, 3


def command_payloads(bot: discord.Client, guild: discord.abc.Snowflake | None = None) -> list[dict[str, Any]]:
    """What `tree.sync(guild=...)` would PUT: ``[c.to_dict(tree) for c in tree._get_all_commands(guild=...)]``."""
    tree = bot.tree  # type: ignore[attr-defined]
    return [command.to_dict(tree) for command in tree._get_all_commands(guild=guild)]


def guild_object(guild_id: int | None) -> discord.Object | None:
    """The guild a sync targets (None: global), so callers outside bot.discord need no discord import."""
    return discord.Object(guild_id) if guild_id else None


class SyncRefused(Exception):
    """Discord refused the sync (bad token, rate limit, invalid payload)."""


async def sync_tree(bot: TutorBot, token: str, guild_id: int | None) -> int:
    """Log in and sync the tree once; the number of commands Discord now has."""
    try:
        async with bot:
            await bot.login(token)
            synced = await bot.tree.sync(guild=guild_object(guild_id))
    except discord.HTTPException as exc:
        raise SyncRefused(str(exc)) from exc
    return len(synced)


def payload_hash(payloads: Sequence[Mapping[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(payloads, sort_keys=True).encode()).hexdigest()


async def offline_bot() -> TutorBot:
    """A bot with every extension loaded and no service, login or network: for payloads only."""
    from bot.discord.client import TutorBot
    from bot.settings import Settings

    bot = TutorBot(None, Settings(_env_file=None))  # type: ignore[arg-type, call-arg]
    await bot.setup_hook()
    return bot


def _name_ok(name: str, kind: int) -> bool:
    if kind != CHAT_INPUT:
        return 1 <= len(name) <= 32
    if not L.COMMAND_NAME.match(name):
        return False
    return all(ch == ch.lower() or unicodedata.category(ch) not in ("Lu", "Lt") for ch in name)


def _command_size(command: Mapping[str, Any]) -> int:
    """Characters counted against the 8000 limit: names, descriptions, choice names and values."""
    total = len(command.get("name", "")) + len(command.get("description", "") or "")
    for option in command.get("options") or []:
        total += _command_size(option)
        for choice in option.get("choices") or []:
            total += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    return total


def check_limits(payloads: Sequence[Mapping[str, Any]]) -> list[str]:
    """Violations of the docs' limits; an empty list means the tree is valid."""
    problems: list[str] = []
    counts = {CHAT_INPUT: 0, USER: 0, MESSAGE: 0}
    seen: set[tuple[int, str]] = set()
    for command in payloads:
        kind = int(command.get("type", CHAT_INPUT))
        counts[kind] = counts.get(kind, 0) + 1
        key = (kind, command.get("name", ""))
        if key in seen:
            problems.append(f"/{key[1]}: duplicate command name")
        seen.add(key)
        _check_node(command, f"/{command.get('name')}", kind, problems, depth=0)
        size = _command_size(command)
        if size > L.COMMAND_TOTAL:
            problems.append(f"/{command.get('name')}: {size} characters in total (limit {L.COMMAND_TOTAL})")
    if counts[CHAT_INPUT] > L.GLOBAL_CHAT_COMMANDS:
        problems.append(f"{counts[CHAT_INPUT]} slash commands (limit {L.GLOBAL_CHAT_COMMANDS})")
    for kind in (USER, MESSAGE):
        if counts.get(kind, 0) > 15:
            problems.append(f"{counts[kind]} context-menu commands of type {kind} (limit 15)")
    return problems


def _check_node(node: Mapping[str, Any], path: str, kind: int, problems: list[str], depth: int) -> None:
    name = node.get("name", "")
    if not _name_ok(name, kind):
        problems.append(f"{path}: name {name!r} breaks the naming rule (1-32 of letters, digits, - _ ', lowercase)")
    description = node.get("description", "")
    if kind == CHAT_INPUT and not 1 <= len(description or "") <= L.DESCRIPTION:
        problems.append(f"{path}: description has {len(description or '')} characters (1-{L.DESCRIPTION})")
    options = list(node.get("options") or [])
    if len(options) > L.OPTIONS:
        problems.append(f"{path}: {len(options)} options (limit {L.OPTIONS})")
    names = [o.get("name") for o in options]
    if len(names) != len(set(names)):
        problems.append(f"{path}: option names are not unique")
    nested = [o for o in options if o.get("type") in (SUBCOMMAND, GROUP)]
    if nested and len(nested) != len(options):
        problems.append(f"{path}: mixes subcommands with plain options")
    if any(o.get("type") == GROUP for o in options) and depth >= 1:
        problems.append(f"{path}: groups nest only one level")
    seen_optional = False
    for option in options:
        opath = f"{path} {option.get('name')}"
        if option.get("type") in (SUBCOMMAND, GROUP):
            _check_node(option, opath, kind, problems, depth + 1)
            continue
        _check_node(option, opath, kind, problems, depth + 1)
        if option.get("required"):
            if seen_optional:
                problems.append(f"{opath}: required option after an optional one")
        else:
            seen_optional = True
        choices = list(option.get("choices") or [])
        if len(choices) > L.CHOICES:
            problems.append(f"{opath}: {len(choices)} choices (limit {L.CHOICES})")
        if choices and option.get("autocomplete"):
            problems.append(f"{opath}: choices and autocomplete cannot be combined")
        for choice in choices:
            if not 1 <= len(str(choice.get("name", ""))) <= L.CHOICE_NAME:
                problems.append(f"{opath}: choice name {choice.get('name')!r} is not 1-{L.CHOICE_NAME} characters")
            value = choice.get("value")
            if isinstance(value, str) and len(value) > L.CHOICE_VALUE:
                problems.append(f"{opath}: choice value longer than {L.CHOICE_VALUE}")
