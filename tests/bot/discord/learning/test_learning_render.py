"""The learning feature's rendering: progress, leaderboards, quizzes and resources, and its
views (the quiz, the leaderboard pager) stay within Discord's limits; learner names cannot ping."""

from __future__ import annotations

from types import SimpleNamespace

from jsonschema import Draft202012Validator
from render_support import CATALOGUE, EVIL, LONG, components_ok, embed_text, no_pings, within_limits

from bot.discord.learning import render
from bot.discord.learning.views import LeaderboardPager, QuizView
from bot.service import CompetencyLine, LeaderboardView, ProgressView, QuizAnswer, Who


def test_progress_and_leaderboard(embed_schema: Draft202012Validator | None) -> None:
    who = Who("1", "@everyone " + LONG)
    review = SimpleNamespace(submission_id=3, verdict="needs_work", comment=EVIL)
    recent = SimpleNamespace(status="passed", challenge_id="shapes-classifier", submission_id=3)
    lines = [CompetencyLine(n, LONG[:80], ["a"] * n, 9, 10 * n) for n in range(1, 10)]
    progress = render.progress_embed(ProgressView(who, 12345, lines, [recent] * 10, [review] * 30))
    within_limits(progress, embed_schema)
    no_pings(embed_text(progress))

    rows = [SimpleNamespace(rank=i, display_name="`@everyone` " + LONG, points=10**6, passed_count=33) for i in range(1, 11)]
    board = render.leaderboard_embed(LeaderboardView(LONG, rows, 3, 2))
    within_limits(board, embed_schema)
    no_pings(embed_text(board))
    assert (board.description or "").count("```") == 2
    assert "#3" in (board.footer.text or "")
    within_limits(render.leaderboard_embed(LeaderboardView("t", [], None, 1)), embed_schema)


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



async def test_views_fit() -> None:
    quiz = CATALOGUE.get("quiz-install")
    assert quiz is not None
    components_ok(QuizView(1, quiz).to_components())

    async def fetch(page: int) -> LeaderboardView:
        return LeaderboardView("t", [], None, page)

    components_ok(LeaderboardPager(1, LeaderboardView("t", [], None, 1), fetch).to_components())
