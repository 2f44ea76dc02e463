"""The admin feature's rendering: a guild's tutor settings as mentions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.repository import GuildSettings


def mention(value: str | None, kind: str) -> str:
    """A role or channel id as its mention; "not set" when there is none."""
    if not value:
        return "not set"
    return f"<@&{value}>" if kind == "role" else f"<#{value}>"


def settings_text(current: GuildSettings) -> str:
    return (f"Mentor role: {mention(current.mentor_role_id, 'role')}\n"
            f"Review channel: {mention(current.review_channel_id, 'channel')}\n"
            f"Completion role: {mention(current.completion_role_id, 'role')}")
