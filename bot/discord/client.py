"""`TutorBot`: a `commands.Bot` holding the tutor service, the settings and the little state the
features share (the running grading jobs, where each verdict was posted, the buttons features add
under a verdict). It keeps no feature logic: every command, view and flow lives in its feature's
folder (`bot.discord.challenges`, `learning`, `reviews`, `admin`), loaded as an extension.

Start-up follows discord.py practice: async setup in `setup_hook` (extensions; each registers its
own restart-proof buttons), no syncing on start (`@bot sync` by an owner, or `tutor commands
--sync`), `Intents.default()` only: slash commands, attachments and modals need no privileged intent.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

import discord
from discord.ext import commands

from bot.discord.errors import TutorTree
from bot.service import TutorService, Verdict
from bot.settings import Settings

log = logging.getLogger("tutor.discord")

#: One extension per feature, each ending with ``async def setup(bot)``.
EXTENSIONS = (
    "bot.discord.challenges.cog",
    "bot.discord.learning.cog",
    "bot.discord.reviews.cog",
    "bot.discord.admin.cog",
    "bot.discord.admin.owner",
)

#: Runs the grading coroutine. Production awaits it directly; tests may hand it to a worker.
JobRunner = Callable[[Coroutine[Any, Any, Verdict]], Awaitable[Verdict]]
#: Makes a button for a submission's verdict (a feature adds its own: reviews' "Ask a mentor").
VerdictAction = Callable[[int], discord.ui.Item[Any]]


async def run_directly(job: Coroutine[Any, Any, Verdict]) -> Verdict:
    return await job


class RunningJob(Protocol):
    """A grading job shown on Discord, as the bot sees it (to cancel it on shutdown)."""

    task: asyncio.Task[None] | None


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
        #: user id -> their grading job (one at a time)
        self.jobs: dict[int, RunningJob] = {}
        #: verdicts owed from before a restart, being delivered (the challenges feature fills it)
        self.resumed: list[RunningJob] = []
        #: buttons other features add under every verdict, in order
        self.verdict_actions: list[VerdictAction] = []

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)

    async def close(self) -> None:
        tasks = [job.task for job in self.jobs.values()] + [job.task for job in self.resumed]
        for task in tasks:
            if task is not None:
                task.cancel()
        await super().close()


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
