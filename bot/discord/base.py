"""Bases every feature's views build on, so that each failure ends in the one error handler
(`bot.discord.errors.reply_error`):

- `PersistentButton`: a button that survives a restart. Its custom_id carries its state
  (``tutor:hint:<challenge>``, ``tutor:review:<verdict>:<request>``...) and routes the press: each
  subclass declares a ``template`` regex, its feature registers it in its extension's ``setup``
  (``bot.add_dynamic_items``), and after a restart discord.py rebuilds the button from the
  custom_id alone (``from_match``) and calls ``pressed``.
- `TutorView`: a short-lived view only its invoker may press, disabled when it times out.
- `TutorModal`: a modal whose errors are answered like a command's.
- `Paginator`: ≪ ‹ n/N › ≫ over pre-rendered embeds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Self

import discord

from bot.discord.errors import NotYours, reply_error


class PersistentButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?!)"):
    """A restart-proof button routed by its custom_id (the base's own template matches nothing).

    Subclasses: ``class HintButton(PersistentButton, template=r"tutor:hint:(?P<cid>...)")`` with
    ``from_match`` (the state back from the custom_id's groups) and ``pressed`` (the action).
    """

    def __init__(self, custom_id: str, *, label: str, emoji: str,
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        super().__init__(discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=custom_id))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> Self:
        return cls.from_match(match)

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.pressed(interaction)
        except Exception as exc:
            await reply_error(interaction, exc)

    async def pressed(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


def persistent_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view of restart-proof items (no timeout)."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


class TutorView(discord.ui.View):
    """A view whose presses are limited to one user (or anyone with ``owner_id=None``)."""

    def __init__(self, owner_id: int | None, *, timeout: float | None = 600.0) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if self.owner_id is not None and interaction.user.id != self.owner_id:
            raise NotYours("These buttons belong to someone else; run the command yourself.")
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        await reply_error(interaction, error)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                pass


class TutorModal(discord.ui.Modal):
    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:  # type: ignore[override]
        await reply_error(interaction, error)


class Paginator(TutorView):
    """≪ ‹ n/N › ≫ over pre-rendered embeds; only the invoker can page."""

    def __init__(self, owner_id: int, pages: Sequence[discord.Embed]) -> None:
        super().__init__(owner_id, timeout=300)
        self.pages = list(pages)
        self.index = 0
        self._sync()

    def _sync(self) -> None:
        last = len(self.pages) - 1
        self.first.disabled = self.prev.disabled = self.index == 0
        self.next.disabled = self.last.disabled = self.index >= last
        self.current.label = f"{self.index + 1}/{len(self.pages)}"

    async def _go(self, interaction: discord.Interaction, index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._sync()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label="≪", style=discord.ButtonStyle.secondary)
    async def first(self, interaction: discord.Interaction, button: discord.ui.Button[Paginator]) -> None:
        await self._go(interaction, 0)

    @discord.ui.button(label="‹", style=discord.ButtonStyle.primary)
    async def prev(self, interaction: discord.Interaction, button: discord.ui.Button[Paginator]) -> None:
        await self._go(interaction, self.index - 1)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True)
    async def current(self, interaction: discord.Interaction, button: discord.ui.Button[Paginator]) -> None:
        await interaction.response.defer()

    @discord.ui.button(label="›", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Paginator]) -> None:
        await self._go(interaction, self.index + 1)

    @discord.ui.button(label="≫", style=discord.ButtonStyle.secondary)
    async def last(self, interaction: discord.Interaction, button: discord.ui.Button[Paginator]) -> None:
        await self._go(interaction, len(self.pages) - 1)
