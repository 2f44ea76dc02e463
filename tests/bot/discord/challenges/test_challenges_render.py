"""The challenges feature's rendering: verdicts (every status, any number of checks and output),
the shape trace, attachments, the catalogue, hints, the live grading message; its views and the
code modal stay within Discord's limits."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from render_support import CATALOGUE, EVIL, LONG, components_ok, embed_text, modal_ok, no_pings, within_limits

from bot.discord import limits as L
from bot.discord.challenges import render
from bot.discord.challenges.views import CodeModal, VerdictView
from bot.discord.reviews.views import RequestReviewButton
from bot.service import HintView, Verdict
from challenges import pictures
from challenges.verdict import Check, Diagnosis, LayerRow, Report


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
        no_pings(embed_text(embed))


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
        no_pings(embed_text(embed))
    assert "▰" in (render.grading_embed(challenge, "a", states[3]).description or "")



async def test_views_and_the_code_modal_fit() -> None:
    challenge = CATALOGUE.get("shapes-classifier")
    assert challenge is not None
    components_ok(VerdictView(10**18, "x" * 41, [RequestReviewButton]).to_components())
    modal_ok(CodeModal(challenge, default="x" * 10_000))


def test_a_verdict_carries_the_buttons_other_features_add() -> None:
    view = VerdictView(7, "shapes-classifier", [RequestReviewButton])
    ids = [item["custom_id"] for row in view.to_components() for item in row["components"]]
    assert ids == ["tutor:resubmit:shapes-classifier", "tutor:askreview:7"]
    assert [c["custom_id"] for r in VerdictView(7, "x").to_components() for c in r["components"]] == ["tutor:resubmit:x"]
