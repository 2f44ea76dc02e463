"""Rendering: every embed, view and modal the bot builds stays within Discord's limits, for long
names, long outputs, many checks and unicode; learner text cannot ping anyone or break a fence.

Embeds are checked against the OpenAPI `RichEmbed` schema plus the docs' 6000-character total;
modals against the docs' 1-5 components, 45-character title and 4000-character text input.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from jsonschema import Draft202012Validator

from bot.discord import limits as L
from bot.discord import render
from bot.discord.views import CodeModal, Paginator, QuizView, ReviewModal, ReviewQueueView, VerdictView, review_panel
from bot.service import (
    CompetencyLine,
    HintView,
    LeaderboardView,
    PostedReview,
    ProgressView,
    QuizAnswer,
    ReviewItem,
    Verdict,
    Who,
)
from challenges import pictures
from challenges.catalogue import load_catalogue
from challenges.verdict import Check, Diagnosis, LayerRow, Report

SPEC = Path(__file__).resolve().parents[4] / "shared" / "discord" / "openapi.json"
LONG = "Ünïcødé 🧪 " * 600
EVIL = "@everyone @here <@123456789012345678> <@&42> ``` ```py\n" * 50
CATALOGUE = load_catalogue()


@pytest.fixture(scope="module")
def embed_schema() -> Draft202012Validator | None:
    if not SPEC.exists():
        return None
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    schema = {"$ref": "#/components/schemas/RichEmbed", "components": spec["components"]}
    return Draft202012Validator(schema)


def within_limits(embed: discord.Embed, schema: Draft202012Validator | None) -> None:
    data = embed.to_dict()
    assert len(embed) <= L.EMBED_TOTAL, len(embed)
    assert len(data.get("title", "")) <= L.EMBED_TITLE
    assert len(data.get("description", "")) <= L.EMBED_DESCRIPTION
    assert len(data.get("fields", [])) <= L.EMBED_FIELDS
    for f in data.get("fields", []):
        assert 1 <= len(f["name"]) <= L.FIELD_NAME and 1 <= len(f["value"]) <= L.FIELD_VALUE
    assert len(data.get("footer", {}).get("text", "")) <= L.FOOTER
    if schema is not None:
        problems = [e.message for e in schema.iter_errors(data)]
        assert not problems, problems


def no_pings(text: str) -> None:
    assert "@everyone" not in text and "@here" not in text
    assert "<@1" not in text and "<@&" not in text


def report(checks: int = 3, output: str = "ok\n", status: str = "failed") -> Report:
    return Report(
        challenge="shapes-classifier", status=status,
        checks=[Check(f"{LONG[:300]}check{i}", i % 2 == 0, EVIL[:500], 0.123456789 * i, 0.9) for i in range(checks)],
        metrics={f"metric_{i}_{LONG[:50]}": float(i) for i in range(30)}, score=0.5, tier="gold" if status == "passed" else None,
        points=150, runtime_s=12.3, stdout=output, stderr=output, losses=[2.0 / (i + 1) for i in range(200)],
        pictures={"edges/../../etc": b"\x89PNG fake"},
        diagnoses=[Diagnosis(f"d{i}", kind, EVIL[:400], LONG[:400], "run") for i, kind in
                   enumerate(["celebratory", "essential", "actionable", "informative"] * 3)],
        trace=[LayerRow(f"layer{i}{LONG[:60]}", "Conv2d", "(2, 1, 28, 28)", "(2, 8, 28, 28)", 80) for i in range(40)]
        + [LayerRow("fc", "Linear", "(2, 8, 28, 28)", None, 25092)],
        trace_note="Layer 41, `fc` (Linear), received (2, 8, 28, 28): 28 features arrive, but it was built for 6272.",
    )


def verdict(r: Report) -> Verdict:
    challenge = CATALOGUE.get("shapes-classifier")
    assert challenge is not None
    return Verdict(7, challenge, r, True, 0, 150)


@pytest.mark.parametrize("checks, output", [(0, ""), (3, "short"), (60, EVIL * 20), (200, LONG * 5)])
def test_verdict_embeds_fit(embed_schema: Draft202012Validator | None, checks: int, output: str) -> None:
    for status in ("passed", "failed", "error", "timeout", "memory", "rejected", "infrastructure"):
        r = report(checks, output, status)
        embed = render.verdict_embed(verdict(r), "@everyone " + LONG, has_curve=True, output_attached=True)
        within_limits(embed, embed_schema)
        no_pings(json.dumps(embed.to_dict(), ensure_ascii=False))


def test_diagnoses_come_most_important_first_and_the_failing_layer_always_shows() -> None:
    r = report(3)
    r.diagnoses = [Diagnosis("late", "informative", "fine", "nothing"), Diagnosis("cause", "essential", "why", "fix")]
    embed = render.verdict_embed(verdict(r), "learner")
    fields = {f.name: f.value for f in embed.fields}
    shows = fields["What the run shows"]
    assert shows.index("why") < shows.index("fine")
    table = fields["Layer by layer (a probe batch of 2)"]
    assert "FAILED" in table and "6272" in table and len(table) <= L.FIELD_VALUE


def test_long_output_is_cut_and_attached_in_full() -> None:
    output = "\n".join(f"line {i} " + "x" * 50 for i in range(5000))
    r = report(3, output)
    files, has_curve = render.verdict_files(r)
    names = [f.filename for f in files]
    assert has_curve and names[0] == "loss.png" and "output.txt" in names and len(files) <= L.ATTACHMENTS
    full = next(f for f in files if f.filename == "output.txt").fp.read().decode()
    assert "line 4999" in full and "line 0 " in full
    picture = next(f for f in files if f.filename not in ("loss.png", "output.txt"))
    assert "/" not in picture.filename and ".." not in picture.filename.replace(".png", "")
    png = pictures.loss_curve_png(r.losses)
    assert png is not None and png.startswith(b"\x89PNG")
    assert pictures.loss_curve_png([float("nan")]) is None


def test_code_blocks_cannot_be_broken() -> None:
    block = render.code_block("print('```')\n" * 1000, 1024, "py")
    assert len(block) <= 1024 and block.startswith("```py\n") and block.endswith("\n```")
    assert block.count("```") == 2


def test_neutralise() -> None:
    text = render.neutralise("@everyone hi <@123> <@!456> <@&789> <#111> \x1b[31mred\x1b[0m @here")
    no_pings(text)
    assert "\x1b" not in text


def test_catalogue_embeds_and_pages(embed_schema: Draft202012Validator | None) -> None:
    for challenge in CATALOGUE:
        within_limits(render.challenge_embed(challenge), embed_schema)
    many = list(CATALOGUE) * 30
    pages = render.challenge_pages(many)
    assert len(pages) == -(-len(many) // L.LIST_PAGE)
    for page in pages:
        within_limits(page, embed_schema)
    within_limits(render.challenge_pages([])[0], embed_schema)
    assert len(render.hint_text(HintView("x", 1, 3, LONG * 3))) <= L.CONTENT


def test_grading_progress_embeds(embed_schema: Draft202012Validator | None) -> None:
    challenge = CATALOGUE.get("shapes-classifier")
    assert challenge is not None
    states: list[dict[str, Any]] = [
        {"phase": "queued", "position": 3},
        {"phase": "running", "stage": "load"},
        {"phase": "running", "stage": "train", "step": 10**9, "loss": float("nan"), "elapsed": 1e9, "retry": True},
        {"phase": "running", "stage": "train", "step": 12, "loss": 0.25, "elapsed": 7.0},
    ]
    for state in states:
        embed = render.grading_embed(challenge, "@here " + LONG, state)
        within_limits(embed, embed_schema)
        no_pings(json.dumps(embed.to_dict(), ensure_ascii=False))
    assert "▰" in (render.grading_embed(challenge, "a", states[3]).description or "")


def test_progress_leaderboard_reviews(embed_schema: Draft202012Validator | None) -> None:
    who = Who("1", "@everyone " + LONG)
    review = SimpleNamespace(submission_id=3, verdict="needs_work", comment=EVIL)
    recent = SimpleNamespace(status="passed", challenge_id="shapes-classifier", submission_id=3)
    lines = [CompetencyLine(n, LONG[:80], ["a"] * n, 9, 10 * n) for n in range(1, 10)]
    progress = render.progress_embed(ProgressView(who, 12345, lines, [recent] * 10, [review] * 30))
    within_limits(progress, embed_schema)
    no_pings(json.dumps(progress.to_dict(), ensure_ascii=False))

    rows = [SimpleNamespace(rank=i, display_name="`@everyone` " + LONG, points=10**6, passed_count=33) for i in range(1, 11)]
    board = render.leaderboard_embed(LeaderboardView(LONG, rows, 3, 2))
    within_limits(board, embed_schema)
    no_pings(json.dumps(board.to_dict(), ensure_ascii=False))
    assert (board.description or "").count("```") == 2
    assert "#3" in (board.footer.text or "")
    within_limits(render.leaderboard_embed(LeaderboardView("t", [], None, 1)), embed_schema)

    item = ReviewItem(1, 2, "shapes-classifier", who, datetime.now(UTC), "a" * 300 + ".py", EVIL * 100, "failed",
                      [{"name": LONG, "passed": False, "message": EVIL, "value": 0.5, "threshold": 0.9}] * 50, {"a": 1})
    within_limits(render.review_queue_embed([item] * 100), embed_schema)
    within_limits(render.review_queue_embed([]), embed_schema)
    panel = render.review_item_embed(item)
    within_limits(panel, embed_schema)
    no_pings(json.dumps(panel.to_dict(), ensure_ascii=False))
    assert len(render.code_file(item).filename) < 100
    posted = PostedReview(1, 1, 2, "shapes-classifier", who, Who("2", LONG), "approve", EVIL * 200)
    within_limits(render.review_embed(posted), embed_schema)
    no_pings(json.dumps(render.review_embed(posted).to_dict(), ensure_ascii=False))
    assert 1 <= len(render.thread_name("shapes-classifier", LONG)) <= L.THREAD_NAME


def test_quiz_and_resources(embed_schema: Draft202012Validator | None) -> None:
    quiz = CATALOGUE.get("quiz-install")
    assert quiz is not None and len(quiz.spec.questions) == 10 and quiz.spec.pass_mark == 8
    for i in range(10):
        answer = QuizAnswer(i, False, LONG, LONG)
        within_limits(render.quiz_embed(quiz, i, last=answer if i else None, correct=i), embed_schema)
    within_limits(render.quiz_result_embed(quiz, QuizAnswer(10, True, "x", LONG), 9, True, 50), embed_schema)
    groups = {LONG[:300]: [SimpleNamespace(title=LONG, url="https://example.org/" + "a" * 200)] * 40} | {
        f"g{i}": [] for i in range(40)}
    within_limits(render.resources_embed(groups), embed_schema)  # type: ignore[arg-type]


def _components_ok(payload: list[dict[str, Any]]) -> None:
    assert len(payload) <= L.ACTION_ROWS
    for row in payload:
        items = row["components"]
        assert len(items) <= 5
        for item in items:
            assert 1 <= len(item.get("custom_id", "x")) <= L.CUSTOM_ID
            assert len(item.get("label", "")) <= L.BUTTON_LABEL
            for option in item.get("options", []):
                assert len(option["label"]) <= L.SELECT_TEXT and len(option.get("description", "")) <= L.SELECT_TEXT
            assert len(item.get("options", [])) <= L.SELECT_OPTIONS


async def test_views_and_modals_fit() -> None:
    challenge = CATALOGUE.get("shapes-classifier")
    quiz = CATALOGUE.get("quiz-install")
    assert challenge is not None and quiz is not None
    views = [
        Paginator(1, [discord.Embed(title="p")] * 50), VerdictView(10**18, "x" * 41), review_panel(10**18),
        QuizView(1, quiz), ReviewQueueView(1, [discord.SelectOption(label=str(i), value=str(i)) for i in range(40)]),
    ]
    for view in views:
        _components_ok(view.to_components())
    for modal in (CodeModal(challenge, default="x" * 10_000), ReviewModal(10**18, "needs_work"), ReviewModal(1, "approve")):
        data = modal.to_dict()
        assert len(data["title"]) <= L.MODAL_TITLE and 1 <= len(data["custom_id"]) <= L.CUSTOM_ID
        assert 1 <= len(data["components"]) <= L.MODAL_COMPONENTS
        for label in data["components"]:
            assert label["type"] == 18 and len(label["label"]) <= L.TEXT_INPUT_LABEL
            text_input = label["component"]
            assert text_input["max_length"] <= L.TEXT_INPUT
            assert len(text_input.get("value", "")) <= L.TEXT_INPUT
            assert len(text_input.get("placeholder", "")) <= L.PLACEHOLDER


def test_neutralise_removes_invisible_characters_before_defusing_mentions() -> None:
    from bot.discord.render import neutralise

    text = neutralise("@\u00adeveryone @here <@123> \u202eevil \u3164 \U000e0041 \x1b[31mred")
    assert "\u00ad" not in text and "\u202e" not in text and "\u3164" not in text and "\x1b" not in text
    assert "@everyone" not in text and "@here" not in text and "<@123>" not in text
    assert not any(0xE0000 <= ord(ch) <= 0xE007F for ch in text)
