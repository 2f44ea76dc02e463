"""Shared rendering (bot.discord.render): code blocks cannot be broken, learner text is
neutralised (no pings, no escapes, no invisible characters), and `fit` keeps any embed within
Discord's limits. Each feature's own rendering is tested in its folder."""

from __future__ import annotations

import discord
from jsonschema import Draft202012Validator
from render_support import EVIL, LONG, components_ok, no_pings, within_limits

from bot.discord import render
from bot.discord.base import Paginator


def test_code_blocks_cannot_be_broken() -> None:
    block = render.code_block("print('```')\n" * 1000, 1024, "py")
    assert len(block) <= 1024 and block.startswith("```py\n") and block.endswith("\n```")
    assert block.count("```") == 2


def test_neutralise() -> None:
    text = render.neutralise("@everyone hi <@123> <@!456> <@&789> <#111> \x1b[31mred\x1b[0m @here")
    no_pings(text)
    assert "\x1b" not in text



def test_fit_cuts_any_embed_to_the_limits(embed_schema: Draft202012Validator | None) -> None:
    embed = discord.Embed(title=LONG, description=EVIL * 10)
    for _ in range(30):
        embed.add_field(name=LONG, value=LONG)
    within_limits(render.fit(embed), embed_schema)


async def test_the_paginator_fits() -> None:
    components_ok(Paginator(1, [discord.Embed(title="p")] * 50).to_components())


def test_neutralise_removes_invisible_characters_before_defusing_mentions() -> None:
    from bot.discord.render import neutralise

    text = neutralise("@\u00adeveryone @here <@123> \u202eevil \u3164 \U000e0041 \x1b[31mred")
    assert "\u00ad" not in text and "\u202e" not in text and "\u3164" not in text and "\x1b" not in text
    assert "@everyone" not in text and "@here" not in text and "<@123>" not in text
    assert not any(0xE0000 <= ord(ch) <= 0xE007F for ch in text)
