"""The learning feature's rendering: resources, progress, leaderboards and quizzes."""

from __future__ import annotations

import discord

from bot.discord import limits as L
from bot.discord.render import (
    COLOUR_BAD,
    COLOUR_INFO,
    COLOUR_OK,
    STATUS,
    bar,
    clip,
    code_block,
    cut_lines,
    fit,
    name,
    neutralise,
)
from bot.service import LeaderboardView, ProgressView, QuizAnswer
from challenges.catalogue import Challenge, Resource


def resources_embed(groups: dict[str, list[Resource]]) -> discord.Embed:
    embed = discord.Embed(title="Learning resources", colour=COLOUR_INFO)
    if not groups:
        embed.description = "No resources here yet."
    for title, links in list(groups.items())[: L.EMBED_FIELDS]:
        value = "\n".join(f"• [{discord.utils.escape_markdown(clip(r.title, 80))}]({r.url})" for r in links)
        embed.add_field(name=clip(title, L.FIELD_NAME), value=cut_lines(value, L.FIELD_VALUE) or "-", inline=False)
    return fit(embed)



def progress_embed(view: ProgressView) -> discord.Embed:
    embed = discord.Embed(title=f"Progress of {name(view.who.display_name, 100)}", colour=COLOUR_INFO,
                          description=f"**{view.total_points}** points")
    lines = []
    for line in view.lines:
        if line.total == 0:
            continue
        done = len(line.passed)
        lines.append(f"`{bar(done / line.total, 10)}` {done}/{line.total} · **{line.competency}.** "
                     f"{clip(line.title, 48)}" + (f" · {line.points} pts" if line.points else ""))
    embed.add_field(name="Competencies", value=cut_lines("\n".join(lines), L.FIELD_VALUE) or "Nothing to do yet.", inline=False)
    if view.reviews:
        reviews = []
        for review in view.reviews[:5]:
            mark = "👍" if review.verdict == "approve" else "🛠️"
            reviews.append(f"{mark} #{review.submission_id}: {clip(neutralise(review.comment or ''), 120) or '(no comment)'}")
        embed.add_field(name="Mentor reviews", value=cut_lines("\n".join(reviews), L.FIELD_VALUE), inline=False)
    if view.invalidated:
        hidden = [f"🚫 #{item.submission_id} `{item.challenge_id}`: {clip(neutralise(item.reason), 200)}"
                  for item in view.invalidated[:5]]
        embed.add_field(name="Invalidated by an admin (counts nowhere)", value=cut_lines("\n".join(hidden), L.FIELD_VALUE),
                        inline=False)
    if view.recent:
        recent = []
        for result in view.recent[:5]:
            emoji = STATUS.get(result.status, ("❔", ""))[0]
            recent.append(f"{emoji} `{result.challenge_id}` #{result.submission_id}")
        embed.add_field(name="Recent submissions", value=cut_lines("\n".join(recent), L.FIELD_VALUE), inline=False)
    return fit(embed)


def leaderboard_embed(view: LeaderboardView) -> discord.Embed:
    rows = []
    for row in view.rows:
        medal = {1: "🥇", 2: "🥈", 3: "🥉"}.get(row.rank, f"{row.rank:>2}.")
        display = " ".join(neutralise(row.display_name).replace("`", "'").split())
        rows.append(f"{medal} {clip(display, 24):<24} {row.points:>6} pts {row.passed_count:>3} ✓")
    body = code_block("\n".join(rows), L.EMBED_DESCRIPTION) if rows else "Nobody has points here yet: be the first!"
    embed = discord.Embed(title=name(view.title, L.EMBED_TITLE), description=body, colour=COLOUR_INFO)
    own = f"your rank: #{view.own_rank}" if view.own_rank else "you are not ranked yet"
    embed.set_footer(text=f"Page {view.page} · {own}")
    return fit(embed)


# --------------------------------------------------------------------------- quizzes


def quiz_embed(quiz: Challenge, index: int, *, last: QuizAnswer | None = None, correct: int = 0) -> discord.Embed:
    """Question ``index`` (0-based) of a quiz, with the explanation of the previous answer."""
    questions = quiz.spec.questions
    embed = discord.Embed(title=clip(f"{quiz.spec.title} · question {index + 1}/{len(questions)}", L.EMBED_TITLE),
                          colour=COLOUR_INFO)
    if last is not None:
        head = "✅ Correct!" if last.correct else f"❌ Not quite. The answer was: {last.right_choice}"
        embed.add_field(name=clip(f"Question {last.number}", L.FIELD_NAME), value=clip(f"{head}\n{last.explanation}", L.FIELD_VALUE),
                        inline=False)
    question = questions[index]
    letters = "ABCDE"
    choices = "\n".join(f"**{letters[i]}.** {choice}" for i, choice in enumerate(question.choices))
    embed.description = clip(f"{question.prompt}\n\n{choices}", L.EMBED_DESCRIPTION)
    embed.set_footer(text=f"{correct} correct so far · pass mark {quiz.spec.pass_mark}/{len(questions)}")
    return fit(embed)


def quiz_result_embed(quiz: Challenge, last: QuizAnswer, correct: int, passed: bool, points: int) -> discord.Embed:
    total = len(quiz.spec.questions)
    embed = discord.Embed(
        title=f"{'✅ Passed' if passed else '❌ Not passed yet'} · {quiz.spec.title}",
        description=f"{correct}/{total} correct (pass mark {quiz.spec.pass_mark})."
        + (f" You earned {points} points." if passed else " Read the explanations and try again: your best attempt counts."),
        colour=COLOUR_OK if passed else COLOUR_BAD,
    )
    head = "✅ Correct!" if last.correct else f"❌ Not quite. The answer was: {last.right_choice}"
    embed.add_field(name=f"Question {last.number}", value=clip(f"{head}\n{last.explanation}", L.FIELD_VALUE), inline=False)
    return fit(embed)
