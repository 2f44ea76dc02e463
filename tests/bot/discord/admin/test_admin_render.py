"""The admin feature's rendering: a guild's settings as mentions, "not set" where there is none."""

from __future__ import annotations

from bot.discord.admin.render import mention, settings_text
from storage.repository import GuildSettings


def test_settings_show_as_mentions() -> None:
    text = settings_text(GuildSettings(mentor_role_id="1", review_channel_id="2", completion_role_id=None))
    assert text.splitlines() == ["Mentor role: <@&1>", "Review channel: <#2>", "Completion role: not set"]
    assert mention("", "role") == "not set"
