"""Restart-proof buttons (bot.discord.base.PersistentButton) through SimCord: a challenge's Hint
button works after the bot restarts (a fresh `TutorBot` rebuilds it from its custom_id alone), and
a failing press ends in the one error handler as an ephemeral, friendly reply."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from simcord_helpers import GradingWorker

from bot.discord.base import persistent_view
from bot.discord.challenges.views import HintButton
from bot.discord.client import TutorBot
from bot.service import TutorService
from bot.settings import Settings

pytestmark = [pytest.mark.simcord(settle_timeout=30), pytest.mark.timeout(120)]


async def test_buttons_survive_a_restart_and_errors_reach_the_handler(simcord_env: Any, worker: GradingWorker,
                                                                       tutor_svc: TutorService, settings: Settings) -> None:
    env = simcord_env
    worker.start(env)
    await env.bot.tree.sync()
    guild = env.create_guild("Torch School")
    channel = guild.create_text_channel("learn")
    alice = guild.add_member(env.create_user("alice"))
    shown = await alice.slash(channel, "challenge show", challenge="shapes-classifier")

    fresh = TutorBot(tutor_svc, settings, job_runner=worker.run)
    await env.restart_bot(fresh)
    assert env.bot is fresh
    hint = await alice.click(shown.response, label="Hint")
    assert hint.ephemeral and "Hint 1/" in hint.response.content

    target = fresh.get_channel(channel.id)
    assert isinstance(target, discord.TextChannel)
    broken = await target.send("a button for a challenge that is gone", view=persistent_view(HintButton("no-such-challenge")))
    pressed = await alice.click(broken, label="Hint")
    assert pressed.ephemeral and "no-such-challenge" in pressed.response.content.replace("`", "")
