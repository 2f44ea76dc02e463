"""The reviews feature's rendering: the mentors' queue, a request opened for review, a posted review and its thread."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import discord

from bot.discord import limits as L
from bot.discord.render import (
    COLOUR_INFO,
    COLOUR_OK,
    COLOUR_WAIT,
    STATUS,
    checks_text,
    clip,
    code_block,
    cut_lines,
    diagnoses_text,
    fit,
    name,
    neutralise,
    timestamp,
)
from bot.service import PostedReview, ReviewItem


def review_queue_embed(items: Sequence[ReviewItem]) -> discord.Embed:
    embed = discord.Embed(title="Review queue", colour=COLOUR_INFO)
    if not items:
        embed.description = "Nothing is waiting for a review. 🎉"
        return embed
    lines = []
    for item in items:
        emoji = STATUS.get(item.status or "", ("❔", ""))[0]
        lines.append(f"{emoji} **#{item.submission_id}** `{item.challenge_id}` by {name(item.requester.display_name, 40)} · "
                     f"asked {timestamp(item.requested_at)}")
    embed.description = cut_lines("\n".join(lines), L.EMBED_DESCRIPTION)
    embed.set_footer(text=f"{len(items)} waiting · pick one below to read the code and review it")
    return fit(embed)


def review_item_embed(item: ReviewItem) -> discord.Embed:
    emoji, label = STATUS.get(item.status or "", ("❔", item.status or "not graded"))
    embed = discord.Embed(
        title=clip(f"Review #{item.submission_id} · {item.challenge_id}", L.EMBED_TITLE),
        description=code_block(item.code, L.REVIEW_CODE_CHARS, "py"),
        colour=COLOUR_INFO,
    )
    embed.add_field(name="Learner", value=name(item.requester.display_name, 100), inline=True)
    embed.add_field(name="Verdict", value=f"{emoji} {label}", inline=True)
    embed.add_field(name="Asked", value=timestamp(item.requested_at), inline=True)
    if item.checks:
        embed.add_field(name="Checks", value=checks_text(item.checks, L.FIELD_VALUE), inline=False)
    if item.diagnoses:
        embed.add_field(name="What the run showed", value=diagnoses_text(item.diagnoses, L.FIELD_VALUE), inline=False)
    embed.set_footer(text="The full code is attached · Approve or Needs work opens the review form")
    return fit(embed)


def code_file(item: ReviewItem) -> discord.File:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", item.filename)[:60] or "submission.py"
    return discord.File(io.BytesIO(item.code.encode("utf-8")), filename=f"{item.submission_id}_{safe}")


def review_embed(review: PostedReview) -> discord.Embed:
    approved = review.verdict == "approve"
    embed = discord.Embed(
        title=clip(f"{'👍 Approved' if approved else '🛠️ Needs work'} · #{review.submission_id} {review.challenge_id}", L.EMBED_TITLE),
        description=clip(neutralise(review.comment) or "(no comment)", L.EMBED_DESCRIPTION),
        colour=COLOUR_OK if approved else COLOUR_WAIT,
    )
    embed.set_footer(text=f"Review by {name(review.mentor.display_name, 80)} · shown in /progress")
    return fit(embed)


def thread_name(challenge_id: str, who: str) -> str:
    return clip(f"{challenge_id} · {' '.join(neutralise(who).split())}", L.THREAD_NAME) or "review"
