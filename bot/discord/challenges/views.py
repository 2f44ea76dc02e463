"""The challenges feature's buttons and modal: Hint and Submit under a challenge, Resubmit on a
verdict (all restart-proof), and the code modal.

The modal starts grading through the feature's cog (`Grading`, looked up on the bot), so this
module never imports the live grading module, which imports it for the verdict's buttons.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import discord

from bot.discord import limits as L
from bot.discord import render
from bot.discord.base import PersistentButton, TutorModal
from bot.discord.challenges import render as challenge_render
from bot.discord.context import tutor, who_of
from bot.errors import BadSubmission
from challenges.catalogue import Challenge

if TYPE_CHECKING:
    from bot.discord.client import VerdictAction

#: The cog's name on the bot (``commands.Cog`` names default to the class name).
COG = "Challenges"


@runtime_checkable
class Grading(Protocol):
    """What the modal needs of the cog: start grading (the interaction is not answered yet)."""

    async def grade_pasted(self, interaction: discord.Interaction, challenge: Challenge, code: str) -> None: ...


def grading(interaction: discord.Interaction) -> Grading:
    cog = tutor(interaction).get_cog(COG)
    if not isinstance(cog, Grading):
        raise BadSubmission("Submissions are closed right now; please try again in a moment.")
    return cog


class CodeModal(TutorModal):
    """Paste a solution (up to 4000 characters); submitting starts live grading."""

    def __init__(self, challenge: Challenge, default: str | None = None) -> None:
        super().__init__(title=render.clip(f"Submit · {challenge.id}", L.MODAL_TITLE), custom_id=f"tutor:code:{challenge.id}"[:100])
        self.challenge = challenge
        self.code: discord.ui.TextInput[CodeModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, custom_id="code", max_length=L.TEXT_INPUT, min_length=1,
            placeholder="import torch ... (longer solutions: attach the file to /challenge submit)",
            default=default[: L.TEXT_INPUT] if default else None,
        )
        self.add_item(discord.ui.Label(text="Your solution (Python)", component=self.code))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await grading(interaction).grade_pasted(interaction, self.challenge, self.code.value)


class HintButton(PersistentButton, template=r"tutor:hint:(?P<cid>[a-z0-9-]+)"):
    def __init__(self, challenge_id: str) -> None:
        super().__init__(f"tutor:hint:{challenge_id}", label="Hint", emoji="💡")
        self.challenge_id = challenge_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> HintButton:
        return cls(match["cid"])

    async def pressed(self, interaction: discord.Interaction) -> None:
        hint = await tutor(interaction).service.next_hint(who_of(interaction.user), self.challenge_id)
        await interaction.response.send_message(challenge_render.hint_text(hint), ephemeral=True)


class SubmitButton(PersistentButton, template=r"tutor:submit:(?P<cid>[a-z0-9-]+)"):
    def __init__(self, challenge_id: str) -> None:
        super().__init__(f"tutor:submit:{challenge_id}", label="Submit", emoji="📤", style=discord.ButtonStyle.success)
        self.challenge_id = challenge_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> SubmitButton:
        return cls(match["cid"])

    async def pressed(self, interaction: discord.Interaction) -> None:
        challenge = tutor(interaction).service.challenge(self.challenge_id)
        await interaction.response.send_modal(CodeModal(challenge))


class ResubmitButton(PersistentButton, template=r"tutor:resubmit:(?P<cid>[a-z0-9-]+)"):
    def __init__(self, challenge_id: str) -> None:
        super().__init__(f"tutor:resubmit:{challenge_id}", label="Resubmit", emoji="🔁", style=discord.ButtonStyle.primary)
        self.challenge_id = challenge_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ResubmitButton:
        return cls(match["cid"])

    async def pressed(self, interaction: discord.Interaction) -> None:
        service = tutor(interaction).service
        challenge = service.challenge(self.challenge_id)
        _, code = await service.last_code(who_of(interaction.user), challenge.id)
        await interaction.response.send_modal(CodeModal(challenge, default=code))


class ChallengeView(discord.ui.View):
    """Hint and Submit under `/challenge show` (persistent: the buttons work after a restart)."""

    def __init__(self, challenge: Challenge) -> None:
        super().__init__(timeout=None)
        if challenge.spec.hints:
            self.add_item(HintButton(challenge.id))
        if challenge.spec.kind != "quiz":
            self.add_item(SubmitButton(challenge.id))


class VerdictView(discord.ui.View):
    """Resubmit, then the buttons other features add for a verdict (``actions``, from the bot)."""

    def __init__(self, submission_id: int, challenge_id: str, actions: Sequence[VerdictAction] = ()) -> None:
        super().__init__(timeout=None)
        self.add_item(ResubmitButton(challenge_id))
        for action in actions:
            self.add_item(action(submission_id))


DYNAMIC_ITEMS: tuple[type[PersistentButton], ...] = (HintButton, SubmitButton, ResubmitButton)
