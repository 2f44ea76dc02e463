"""The reviews feature's rendering: the queue, a request opened for review, a posted review and
its thread name; its views (the mentor's panel, the queue's select) and the review form stay
within Discord's limits; learner and mentor text cannot ping."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
from jsonschema import Draft202012Validator
from render_support import EVIL, LONG, components_ok, embed_text, modal_ok, no_pings, within_limits

from bot.discord import limits as L
from bot.discord.reviews import render
from bot.discord.reviews.views import ReviewModal, ReviewQueueView, review_notice, review_panel
from bot.service import PostedReview, ReviewItem, Who


def test_queue_item_and_review(embed_schema: Draft202012Validator | None) -> None:
    who = Who("1", "@everyone " + LONG)
    item = ReviewItem(1, 2, "shapes-classifier", who, datetime.now(UTC), "a" * 300 + ".py", EVIL * 100, "failed",
                      [{"name": LONG, "passed": False, "message": EVIL, "value": 0.5, "threshold": 0.9}] * 50, {"a": 1})
    within_limits(render.review_queue_embed([item] * 100), embed_schema)
    within_limits(render.review_queue_embed([]), embed_schema)
    panel = render.review_item_embed(item)
    within_limits(panel, embed_schema)
    no_pings(embed_text(panel))
    assert len(render.code_file(item).filename) < 100
    posted = PostedReview(1, 1, 2, "shapes-classifier", who, Who("2", LONG), "approve", EVIL * 200)
    within_limits(render.review_embed(posted), embed_schema)
    no_pings(embed_text(render.review_embed(posted)))
    assert 1 <= len(render.thread_name("shapes-classifier", LONG)) <= L.THREAD_NAME


async def test_views_and_the_review_form_fit() -> None:
    for view in (review_panel(10**18), review_notice(10**18),
                 ReviewQueueView(1, [discord.SelectOption(label=str(i), value=str(i)) for i in range(40)])):
        components_ok(view.to_components())
    for modal in (ReviewModal(10**18, "needs_work"), ReviewModal(1, "approve")):
        modal_ok(modal)
