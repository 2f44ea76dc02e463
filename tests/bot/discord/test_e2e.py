"""End to end: the real discord.py client against SimCord 3.2.1's offline Discord, the real tutor
service, database and kernel sandbox. Commands go through a real `tree.sync()` first, exactly the
payloads `tutor commands --sync` sends.

Flows covered: a learner lists, shows (hint button, starter file), autocompletes, submits a
failing solution (file attachment) and a passing one (Submit button -> code modal), watching the
one grading message go queued -> running (step, loss, bar) -> verdict with the loss curve; the
leaderboard and /progress update; a learner cancels a running job (the sandbox job is killed and
the submission ends `cancelled`); a mentor, set up with /admin, reads the queue, opens a request,
posts a review through the modal and the learner is notified in a thread on the submission;
errors are ephemeral; only the invoker can page; and a 4-second silence without deferring fails
with 10062 Unknown Interaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands
from simcord_helpers import GradingWorker, wait_until

from bot.discord.challenges.live_grade import reattach
from bot.service import TutorService, Where, Who
from bot.uploads import read_uploads
from storage import jobs
from storage import repository as repo

SHAPES = Path(__file__).resolve().parents[3] / "challenges" / "content" / "shapes_classifier"

PASSING = b'''
import time

import torch
from torch import nn


def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 4),
    )


def train(model, loader, time_budget_s):
    deadline = time.monotonic() + time_budget_s - 2.0
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    while True:
        for images, labels in loader:
            if time.monotonic() > deadline:
                return
            optimizer.zero_grad()
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
'''

FAILING = b"import torch\n\ndef build_model(:\n    return torch.nn.Linear(1, 1)\n"
SLOW = b'''
import time

import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.Flatten(), nn.Linear(4 * 28 * 28, 4))


def train(model, loader, time_budget_s):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    while True:  # ignores the budget: only the sandbox's limits (or Cancel) end it
        for images, labels in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(images), labels).backward()
            optimizer.step()
            time.sleep(0.3)
'''

pytestmark = [pytest.mark.simcord(settle_timeout=30), pytest.mark.timeout(300)]


def embed_of(result: Any) -> discord.Embed | None:
    response = result.response
    return response.embeds[0] if response is not None and response.embeds else None


def title(result: Any) -> str:
    embed = embed_of(result)
    return (embed.title or "") if embed else ""


def graded(result: Any) -> bool:
    t = title(result)
    return bool(t) and not t.startswith("Grading")


def who(member: Any) -> Who:
    return Who(str(member.id), member.name)


def where(guild: Any) -> Where:
    return Where(str(guild.id), guild.name)


def points_on_board(board: Any, name: str) -> int:
    line = next(ln for ln in (embed_of(board).description or "").splitlines() if name in ln)  # type: ignore[union-attr]
    return int(re.search(r"(\d+) pts", line)[1])  # type: ignore[index]


def role_granted(env: Any, member: Any, role: Any) -> bool:
    return any(r.method == "PUT" and r.path.endswith(f"/members/{member.id}/roles/{role.id}") for r in env.http_requests)


async def completion_role(env: Any, guild: Any, channel: Any) -> Any:
    """A role an admin sets, through /admin, as the guild's competency-completion role."""
    admin_role = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    installed = guild.create_role("Installer")
    admin = guild.add_member(env.create_user("ada"), roles=[admin_role])
    assert (await admin.slash(channel, "admin completion-role", role=installed)).ephemeral
    return installed


async def pass_through_the_service(service: TutorService, member: Any, guild: Any, challenge_ids: list[str]) -> None:
    """Pass challenges with their references, straight through the service (not what a test is about)."""
    for challenge_id in challenge_ids:
        reference = service.challenge(challenge_id).reference_path
        verdict = await service.submit_files(who(member), where(guild), challenge_id, read_uploads([reference]))
        assert verdict.report.status == "passed", (challenge_id, verdict.report)


async def world(env: Any) -> tuple[Any, Any, Any, Any]:
    await env.bot.tree.sync()
    guild = env.create_guild("Torch School")
    channel = guild.create_text_channel("learn")
    alice = guild.add_member(env.create_user("alice"))
    bob = guild.add_member(env.create_user("bob"))
    return guild, channel, alice, bob


async def test_learner_lists_shows_submits_and_climbs_the_leaderboard(simcord_env: Any, worker: GradingWorker,
                                                                      tutor_svc: TutorService) -> None:
    env = simcord_env
    worker.start(env)
    _guild, channel, alice, bob = await world(env)

    listed = await alice.slash(channel, "challenge list")
    assert "install-command" in (embed_of(listed).description or "")  # type: ignore[union-attr]  # page 1

    choices = await alice.autocomplete(channel, "challenge show", "challenge", "shapes")
    assert choices and choices[0]["value"] == "shapes-classifier" and len(choices) <= 25

    shown = await alice.slash(channel, "challenge show", challenge="shapes-classifier")
    assert title(shown).startswith("Classify noisy shapes")
    fields = {f.name: f.value for f in embed_of(shown).fields}  # type: ignore[union-attr]
    assert "Contract" in fields and "Limits" in fields
    assert shown.response.attachments[0].filename.endswith("_starter.py")
    hint = await alice.click(shown.response, label="Hint")
    assert hint.ephemeral and "Hint 1/" in hint.response.content

    # A failing solution, as a file attachment: syntax errors fail fast, before any sandbox.
    failing = await alice.slash(channel, "challenge submit", challenge="shapes-classifier", file=("mine.py", FAILING))
    assert failing.deferred and not failing.ephemeral
    await wait_until(env, lambda: graded(failing), what="the failing verdict")
    assert title(failing).startswith("💥")
    assert "Syntax error" in (embed_of(failing).description or "")  # type: ignore[union-attr]

    # A model that fails at its third layer: the verdict shows the layer table up to it, and why.
    third = (SHAPES / "cases" / "fails_at_third_layer.py").read_bytes()
    traced = await alice.slash(channel, "challenge submit", challenge="shapes-classifier", file=("third.py", third))
    await wait_until(env, lambda: graded(traced), timeout=120, what="the shape-trace verdict")
    fields = {f.name: f.value for f in embed_of(traced).fields}  # type: ignore[union-attr]
    table = fields["Layer by layer (a probe batch of 2)"]
    assert "Conv2d" in table and "ReLU" in table and "FAILED" in table and "6272" in table, table
    assert "tensor shapes did not fit" in fields["What the run shows"]

    # A passing solution through the Submit button and the code modal; watch the live message.
    modal = await alice.click(shown.response, label="Submit")
    assert modal.modal is not None
    passing = await alice.submit_modal(modal, {"code": PASSING.decode()})
    assert passing.deferred
    seen: list[str] = []

    def snapshot() -> bool:
        embed = embed_of(passing)
        if embed is not None:
            text = f"{embed.title}|{embed.description}"
            if not seen or seen[-1] != text:
                seen.append(text)
        return graded(passing)

    await wait_until(env, snapshot, timeout=180, what="the passing verdict")
    assert any("Queued" in s or "Running" in s for s in seen), seen
    assert any("step" in s and "loss" in s for s in seen), seen  # training progress with a bar
    verdict = embed_of(passing)
    assert verdict is not None and verdict.title and verdict.title.startswith("✅"), (verdict and verdict.description, verdict and verdict.fields)
    assert verdict.image.url == "attachment://loss.png"
    assert "🎉" in {f.name: f.value for f in verdict.fields}["What the run shows"]  # celebratory, never urgent
    assert any(a.filename == "loss.png" for a in passing.response.attachments)
    assert passing.response.components  # Resubmit / Ask a mentor

    board = await bob.slash(channel, "leaderboard")
    text = embed_of(board).description or ""  # type: ignore[union-attr]
    assert "alice" in text and "🥇" in text
    assert "not ranked" in (embed_of(board).footer.text or "")  # type: ignore[union-attr]
    mine = await alice.slash(channel, "leaderboard", period="weekly")
    assert "#1" in (embed_of(mine).footer.text or "")  # type: ignore[union-attr]

    progress = await bob.slash(channel, "progress", member=alice)
    assert "100" in (embed_of(progress).description or "") or "points" in (embed_of(progress).description or "")  # type: ignore[union-attr]


async def test_cancel_kills_the_job_and_token_expiry_moves_to_the_channel(simcord_env: Any, worker: GradingWorker,
                                                                          tutor_svc: TutorService) -> None:
    env = simcord_env
    worker.start(env)
    _guild, channel, alice, bob = await world(env)
    job = await alice.slash(channel, "challenge submit", challenge="shapes-classifier", file=("slow.py", SLOW))
    await wait_until(env, lambda: "step" in (getattr(embed_of(job), "description", "") or ""), what="training")

    # Someone else cannot cancel it.
    other = await bob.click(job.response, label="Cancel")
    assert other.ephemeral
    # One running job per user.
    again = await alice.slash(channel, "challenge submit", challenge="shapes-classifier", file=("again.py", FAILING))
    assert again.ephemeral and "already" in again.response.content
    env.errors  # noqa: B018 - acknowledge the expected (user) error SimCord captured

    # The interaction token ages past its 15 minutes: updates continue as a channel message.
    await env.advance_time(15 * 60)
    await wait_until(env, lambda: any("your `shapes-classifier` submission" in (m.content or "") for m in channel.history()),
                     what="the channel fallback message")
    moved = next(m for m in channel.history() if "your `shapes-classifier` submission" in (m.content or ""))

    cancelled = await alice.click(moved, label="Cancel")
    assert cancelled.acknowledged

    async with tutor_svc.sessions() as session:
        user = await repo.get_user(session, str(alice.id))
        assert user is not None
        last = await repo.last_submission(session, user.id)  # type: ignore[arg-type]
    assert last is not None

    def done() -> bool:
        fresh = channel.get_message(moved.id) if hasattr(channel, "get_message") else None
        message = fresh or next(m for m in channel.history() if m.id == moved.id)
        return bool(message.embeds) and "Cancelled" in (message.embeds[0].title or "")

    await wait_until(env, done, what="the cancelled message")
    for _ in range(40):
        async with tutor_svc.sessions() as session:
            row = await repo.get_submission(session, last.id)  # type: ignore[arg-type]
        if row is not None and row.status == "cancelled":
            break
        await asyncio.sleep(0.25)
    assert row is not None and row.status == "cancelled"
    assert not worker.inner  # the grading task (and with it the sandbox job) is gone


async def test_mentor_reviews_and_learner_is_notified_in_a_thread(simcord_env: Any, worker: GradingWorker) -> None:
    env = simcord_env
    worker.start(env)
    guild, channel, alice, _bob = await world(env)
    reviews = guild.create_text_channel("reviews")
    admin_role = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    mentors = guild.create_role("Mentors")
    admin = guild.add_member(env.create_user("ada"), roles=[admin_role])
    mentor = guild.add_member(env.create_user("mentor"), roles=[mentors])

    denied = await alice.slash(channel, "review queue")
    assert denied.ephemeral and "mentor" in denied.response.content.lower()
    env.errors  # noqa: B018

    assert (await admin.slash(channel, "admin mentor-role", role=mentors)).ephemeral
    assert (await admin.slash(channel, "admin review-channel", channel=reviews)).ephemeral

    failing = await alice.slash(channel, "challenge submit", challenge="shapes-classifier", file=("mine.py", FAILING))
    await wait_until(env, lambda: graded(failing), what="the verdict")
    submission_id = int((embed_of(failing).fields[0].value or "").split("#")[1].split(" ")[0])  # type: ignore[union-attr]

    asked = await alice.slash(channel, "review request", submission=submission_id)
    assert asked.ephemeral and "Review requested" in asked.response.content
    notice = reviews.last_message
    assert notice is not None and f"#{submission_id}" in notice.content

    queue = await mentor.slash(channel, "review queue")
    assert queue.ephemeral and f"#{submission_id}" in (embed_of(queue).description or "")  # type: ignore[union-attr]
    request_id = int(queue.response.components[0]["components"][0]["options"][0]["value"])
    opened = await mentor.select(queue.response, [str(request_id)])
    panel = opened.followups[-1] if opened.followups else opened.response
    assert panel is not None and "def build_model" in (panel.embeds[0].description or "")
    assert panel.attachments  # the full code as a file
    showed = {f.name: f.value for f in panel.embeds[0].fields}.get("What the run showed", "")
    assert "could not parse" in showed  # the mentor sees the learner's diagnoses too

    form = await mentor.click(panel, label="Needs work")
    assert form.modal is not None
    posted = await mentor.submit_modal(form, {"comment": "Close the parenthesis in build_model, then train a CNN. @everyone"})
    assert posted.ephemeral and "Review posted" in (posted.response.content or "")

    threads = channel.threads
    assert threads, "a thread on the submission"
    last = threads[-1].last_message
    assert last is not None and f"<@{alice.id}>" in last.content
    assert "Needs work" in (last.embeds[0].title or "")
    assert "@\u200beveryone" in (last.embeds[0].description or "")  # neutralised

    progress = await alice.slash(channel, "progress")
    reviews_field = next(f for f in embed_of(progress).fields if f.name == "Mentor reviews")  # type: ignore[union-attr]
    assert f"#{submission_id}" in (reviews_field.value or "")
    empty = await mentor.slash(channel, "review queue")
    assert "Nothing is waiting" in (embed_of(empty).description or "")  # type: ignore[union-attr]


async def test_quiz_with_explanations_counts_towards_points(simcord_env: Any, worker: GradingWorker,
                                                            tutor_svc: TutorService) -> None:
    env = simcord_env
    worker.start(env)
    guild, channel, alice, _bob = await world(env)
    installed = await completion_role(env, guild, channel)
    quiz = tutor_svc.quiz("quiz-install")
    # The quiz is the last of competency 1 alice has left: passing it completes the competency.
    await pass_through_the_service(tutor_svc, alice, guild, [c.id for c in tutor_svc.list_challenges(1) if c.id != quiz.id])
    assert not role_granted(env, alice, installed)
    before = points_on_board(await alice.slash(channel, "leaderboard"), "alice")
    played = await alice.slash(channel, "quiz", competency=1)
    assert played.ephemeral and "question 1/10" in title(played)
    message = played.response
    for i, question in enumerate(quiz.spec.questions):
        choice = question.answer if i != 0 else (question.answer + 1) % len(question.choices)  # one wrong answer
        pressed = await alice.click(message, label="ABCDE"[choice])
        embed = pressed.response.embeds[0] if pressed.response else embed_of(played)
        assert embed is not None
        explained = " ".join(f.value or "" for f in embed.fields)
        assert question.explanation[:40] in explained
    final = embed_of(played)
    assert final is not None and "Passed" in (final.title or "") and "9/10" in (final.description or "")
    assert points_on_board(await alice.slash(channel, "leaderboard"), "alice") == before + quiz.spec.points
    assert role_granted(env, alice, installed)


async def test_a_verdict_owed_from_before_a_restart_reaches_the_channel_and_grants_the_role(
        simcord_env: Any, worker: GradingWorker, tutor_svc: TutorService) -> None:
    """The bot went down while a job graded and the interaction's token expired meanwhile: on
    start, `reattach` follows the job, posts the verdict in the channel and grants the role the
    live path would have granted."""
    env = simcord_env
    worker.start(env)
    guild, channel, alice, _bob = await world(env)
    installed = await completion_role(env, guild, channel)
    last, *others = [c for c in tutor_svc.list_challenges(1) if c.spec.kind != "quiz"]
    await pass_through_the_service(tutor_svc, alice, guild, [c.id for c in others])
    quiz = tutor_svc.quiz("quiz-install")
    await tutor_svc.finish_quiz(who(alice), where(guild), quiz.id, [q.answer for q in quiz.spec.questions])

    gone = (discord.utils.utcnow() - dt.timedelta(minutes=1)).isoformat()
    reply = {"via": "discord", "application_id": env.bot.application_id, "token": "expired", "expires_at": gone,
             "channel_id": channel.id, "guild_id": guild.id, "user_id": alice.id, "user_name": "alice"}
    submission = await tutor_svc.enqueue_files(who(alice), where(guild), last.id, read_uploads([last.reference_path]),
                                               reply=reply)
    await asyncio.wait_for(tutor_svc.follow(submission), 120)  # graded while no bot listened
    assert [p.submission_id for p in await tutor_svc.pending_deliveries("discord")] == [submission]
    assert not role_granted(env, alice, installed)

    resumed = await reattach(env.bot)  # what the challenges feature runs when it loads
    assert [r.pending.submission_id for r in resumed] == [submission]
    posted = f"your `{last.id}` submission"
    await wait_until(env, lambda: any(posted in (m.content or "") and m.embeds for m in channel.history()),
                     what="the re-attached verdict in the channel")
    message = next(m for m in channel.history() if posted in (m.content or ""))
    assert (message.embeds[0].title or "").startswith("✅"), message.embeds[0].title
    await wait_until(env, lambda: role_granted(env, alice, installed), what="the completion role")
    assert any("completed competency 1" in (m.content or "") for m in channel.history())
    for job in resumed:
        assert job.task is not None
        await job.task
    assert await tutor_svc.pending_deliveries("discord") == []
    stored = await tutor_svc.reply_of(submission)  # a review thread opens on the message; no token is kept
    assert stored["message_id"] == message.id and stored["channel_id"] == channel.id
    async with tutor_svc.sessions() as session:
        row = await jobs.get_job(session, submission)
    assert row is not None and "token" not in row.reply


async def test_errors_are_ephemeral_and_pages_belong_to_the_invoker(simcord_env: Any, worker: GradingWorker) -> None:
    env = simcord_env
    worker.start(env)
    _guild, channel, alice, bob = await world(env)
    unknown = await alice.slash(channel, "challenge show", challenge="shapes-clasifier")
    assert unknown.ephemeral and "shapes-classifier" in unknown.response.content
    wrong_type = await alice.slash(channel, "challenge submit", challenge="shapes-classifier", file=("model.pt", b"\x00\x01"))
    assert wrong_type.ephemeral and ".py" in wrong_type.response.content
    nothing_yet = await alice.slash(channel, "challenge resubmit")
    assert nothing_yet.ephemeral and "not submitted" in nothing_yet.response.content
    failing = await alice.slash(channel, "challenge submit", challenge="shapes-classifier", file=("mine.py", FAILING))
    await wait_until(env, lambda: graded(failing), what="the verdict")
    again = await alice.slash(channel, "challenge resubmit")
    assert again.modal is not None and "def build_model(:" in json.dumps(again.modal)
    from_button = await alice.click(failing.response, label="Resubmit")
    assert from_button.modal is not None and "def build_model(:" in json.dumps(from_button.modal)
    board = await alice.slash(channel, "leaderboard")
    assert board.response.components
    nosy = await bob.click(board.response, label="Next ›") if not _disabled(board, "Next ›") else None
    if nosy is not None:
        assert nosy.ephemeral
    assert len(env.errors) >= 2


def _disabled(result: Any, label: str) -> bool:
    for row in result.response.components:
        for c in row.get("components", []):
            if c.get("label") == label:
                return bool(c.get("disabled"))
    return True


async def test_four_seconds_of_silence_without_deferring_fails(simcord_env: Any, worker: GradingWorker) -> None:
    """The regression SimCord catches for us: a handler that neither answers nor defers within 3 s."""
    env = simcord_env
    worker.start(env)

    @app_commands.command(name="slowpoke", description="answers too late")
    async def slowpoke(interaction: discord.Interaction) -> None:
        await asyncio.sleep(4)
        await interaction.response.send_message("too late")

    env.bot.tree.add_command(slowpoke)
    _guild, channel, alice, _bob = await world(env)
    result = await alice.slash(channel, "slowpoke")
    await env.advance_time(5)
    errors = env.errors
    assert any(isinstance(getattr(e, "original", e), discord.NotFound) and "10062" in str(getattr(e, "original", e))
               for e in errors), errors
    assert not result.acknowledged

    # Our long-running command defers at once: the grading message exists before any grading.
    fast = await alice.slash(channel, "challenge submit", challenge="shapes-classifier", file=("mine.py", FAILING))
    assert fast.deferred or fast.acknowledged
    await wait_until(env, lambda: graded(fast), what="the verdict")


async def test_cooldowns_and_the_owner_only_sync(simcord_env: Any, worker: GradingWorker) -> None:
    env = simcord_env
    worker.start(env)
    guild, channel, alice, bob = await world(env)
    env.bot.settings.submit_cooldown_s = 60.0
    first = await alice.slash(channel, "challenge submit", challenge="shapes-classifier", file=("a.py", FAILING))
    await wait_until(env, lambda: graded(first), what="the verdict")
    second = await alice.slash(channel, "challenge submit", challenge="shapes-classifier", file=("a.py", FAILING))
    assert second.ephemeral and "try again in" in second.response.content
    other = await bob.slash(channel, "challenge submit", challenge="shapes-classifier", file=("b.py", FAILING))
    assert other.acknowledged and not other.ephemeral  # the cooldown is per user
    await wait_until(env, lambda: graded(other), what="bob's verdict")
    await env.advance_time(61)
    third = await alice.slash(channel, "challenge submit", challenge="shapes-classifier", file=("a.py", FAILING))
    assert third.acknowledged and not third.ephemeral  # past the Discord-side cooldown: grading starts
    # (the service enforces the same pause on the real clock, which advance_time does not move)
    await wait_until(env, lambda: graded(third), what="the third grading message")
    assert len(env.errors) >= 1

    # Syncing is explicit: an owner mentions the bot; anyone else is refused.
    owner = guild.add_member(env.create_user("owner"))
    env.bot.owner_ids = {owner.id}
    await bob.send(channel, f"<@{env.bot.user.id}> sync")
    assert "Only the bot's owners" in (channel.last_message.content or "")
    await owner.send(channel, f"<@{env.bot.user.id}> sync")
    assert "Synced 7 commands" in (channel.last_message.content or "")
    assert any(type(e).__name__ == "NotOwner" for e in env.errors)
