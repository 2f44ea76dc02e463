"""Discord rendering of service results: embeds, files and short texts, always within Discord's limits.

Pure functions (no network, no bot): the cogs call them and the rendering tests check every one
of them against the limits in `bot.discord.limits`. Learner-controlled text (names, output, code,
review comments) is neutralised: mentions cannot ping, backticks cannot break a code fence.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import discord

from bot.discord import limits as L
from bot.service import (
    HintView,
    LeaderboardView,
    PostedReview,
    ProgressView,
    QuizAnswer,
    ReviewItem,
    Verdict,
)
from challenges.catalogue import COMPETENCIES, Challenge, Resource
from challenges.pictures import verdict_pictures
from challenges.verdict import Diagnosis, LayerRow, Report, by_urgency
from sandbox.core.output import clean_output

ZWSP = "\u200b"
COLOUR_OK = discord.Colour.green()
COLOUR_BAD = discord.Colour.red()
COLOUR_INFO = discord.Colour.blurple()
COLOUR_WAIT = discord.Colour.gold()

STATUS = {
    "passed": ("✅", "Passed"),
    "failed": ("❌", "Failed"),
    "error": ("💥", "Your code raised an error"),
    "timeout": ("⏱️", "Out of time"),
    "memory": ("🧠", "Out of memory"),
    "rejected": ("🚫", "Rejected"),
    "infrastructure": ("🛠️", "Grader problem on our side (not counted)"),
    "cancelled": ("⏹️", "Cancelled"),
}
TIER_MARK = {"gold": "🥇 gold", "silver": "🥈 silver", "bronze": "🥉 bronze"}
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)(\d+)>")


# --------------------------------------------------------------------------- text helpers


def clip(text: str, limit: int, marker: str = "…") -> str:
    """``text`` stripped and cut to ``limit`` characters, ending in ``marker`` when cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: max(limit - len(marker), 0)].rstrip() + marker


def neutralise(text: str) -> str:
    """Learner or mentor text made harmless: no escapes, no invisible or direction-changing
    characters (a soft hyphen inside ``@everyone`` is gone before the mention is defused), no pings."""
    text = clean_output(text)
    return _MENTION.sub(lambda m: m.group(0).replace("@", "@" + ZWSP).replace("<#", "<#" + ZWSP), text)


def name(text: str, limit: int = 64) -> str:
    """A display name safe for titles and tables: neutralised, markdown escaped, one line."""
    one_line = " ".join(neutralise(text).split())
    return clip(discord.utils.escape_markdown(one_line), limit) or "someone"


def code_block(text: str, limit: int, lang: str = "") -> str:
    """A fenced block no longer than ``limit``; learner backticks cannot close the fence."""
    body = neutralise(text).replace("```", "`" + ZWSP + "``")
    fence_open, fence_close = f"```{lang}\n", "\n```"
    room = limit - len(fence_open) - len(fence_close)
    if room < 1:
        return ""
    body = body.rstrip("\n")
    if len(body) > room:
        marker = "\n… (cut; the full text is attached)"
        body = body[: max(room - len(marker), 0)] + marker
    return fence_open + (body or " ") + fence_close


def tail(text: str, max_lines: int = L.OUTPUT_LINES, max_chars: int = L.OUTPUT_CHARS) -> tuple[str, bool]:
    """The last lines of output that fit, and whether anything was cut."""
    text = _ANSI.sub("", text).rstrip()
    lines = text.splitlines()
    cut = len(lines) > max_lines
    lines = lines[-max_lines:]
    shown = "\n".join(lines)
    if len(shown) > max_chars:
        shown, cut = shown[-max_chars:], True
    return shown, cut


def bar(fraction: float, width: int = 16) -> str:
    """A text progress bar: ``▰▰▰▱▱▱``."""
    if not math.isfinite(fraction):
        fraction = 0.0
    fraction = min(max(fraction, 0.0), 1.0)
    filled = round(fraction * width)
    return "▰" * filled + "▱" * (width - filled)


def number(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:,.0f}" if abs(value) >= 1e5 else f"{value:.4g}"
    return clip(neutralise(str(value)), 60)


def timestamp(moment: datetime, style: str = "R") -> str:
    return discord.utils.format_dt(moment, style=style)  # type: ignore[arg-type]


def fit(embed: discord.Embed) -> discord.Embed:
    """Trim an embed until it meets every Discord limit (6000 total included)."""
    if embed.title:
        embed.title = clip(embed.title, L.EMBED_TITLE)
    if embed.description:
        embed.description = clip(embed.description, L.EMBED_DESCRIPTION)
    fields = embed.fields[: L.EMBED_FIELDS]
    embed.clear_fields()
    for f in fields:
        embed.add_field(name=clip(f.name or ZWSP, L.FIELD_NAME) or ZWSP, value=clip(f.value or ZWSP, L.FIELD_VALUE) or ZWSP,
                        inline=bool(f.inline))
    if embed.footer.text:
        embed.set_footer(text=clip(embed.footer.text, L.FOOTER), icon_url=embed.footer.icon_url)
    if embed.author.name:
        embed.set_author(name=clip(embed.author.name, L.AUTHOR), url=embed.author.url, icon_url=embed.author.icon_url)
    while len(embed) > L.EMBED_TOTAL:
        excess = len(embed) - L.EMBED_TOTAL
        if embed.description and len(embed.description) > 200:
            embed.description = clip(embed.description, max(len(embed.description) - excess - 2, 100))
        elif embed.fields:
            embed.remove_field(len(embed.fields) - 1)
        else:
            embed.description = clip(embed.description or "", 100)
            break
    return embed


# --------------------------------------------------------------------------- catalogue


def challenge_line(c: Challenge) -> str:
    kind = "quiz" if c.spec.kind == "quiz" else c.spec.difficulty
    return f"`{c.id}` · **{discord.utils.escape_markdown(c.spec.title)}** · {kind} · {c.spec.points} pts"


def challenge_pages(challenges: Sequence[Challenge], per_page: int = L.LIST_PAGE) -> list[discord.Embed]:
    """The catalogue as pages of ``per_page`` challenges, grouped by competency."""
    if not challenges:
        return [discord.Embed(title="Challenges", description="No challenges here yet.", colour=COLOUR_INFO)]
    pages = []
    count = math.ceil(len(challenges) / per_page)
    for n in range(count):
        chunk = challenges[n * per_page:(n + 1) * per_page]
        lines: list[str] = []
        current = None
        for c in chunk:
            if c.spec.competency != current:
                current = c.spec.competency
                lines.append(f"\n__**{current}. {COMPETENCIES[current]}**__")
            lines.append(challenge_line(c))
        embed = discord.Embed(title="Challenges", description="\n".join(lines).strip(), colour=COLOUR_INFO)
        embed.set_footer(text=f"Page {n + 1}/{count} · {len(challenges)} challenges · /challenge show <id>")
        pages.append(fit(embed))
    return pages


def challenge_embed(c: Challenge) -> discord.Embed:
    spec = c.spec
    embed = discord.Embed(title=f"{spec.title} ({spec.id})", colour=COLOUR_INFO,
                          description=clip(c.statement, L.STATEMENT_CHARS))
    embed.add_field(name="Competency", value=f"{spec.competency}. {COMPETENCIES[spec.competency]}", inline=False)
    embed.add_field(name="Level", value=f"{spec.difficulty} · {spec.points} points", inline=True)
    if spec.kind != "quiz":
        lim = spec.limits
        if spec.kind == "trained":
            limits = (f"train {lim.train_budget_s:g} s (hard stop {lim.wall_s:g} s) · {lim.memory_mb} MB · "
                      f"{lim.threads} CPU threads · no network")
        elif spec.kind == "functions":
            limits = f"calls {lim.call_s:g} s · {lim.memory_mb} MB · no network"
        else:
            limits = "checked as text: nothing is run"
        embed.add_field(name="Limits", value=limits, inline=True)
        if not spec.python_file:
            files = ", ".join(f"`{f.name}`" + ("" if f.required else " (optional)") for f in spec.files)
            embed.add_field(name="Files", value=clip(files, L.FIELD_VALUE), inline=False)
        contract = "\n".join(f"• `{clip(item, 300)}`" for item in spec.contract)
        embed.add_field(name="Contract", value=clip(contract, L.FIELD_VALUE), inline=False)
        passing = c.pass_lines()
        if passing:
            embed.add_field(name="To pass", value=clip("\n".join(f"• {line}" for line in passing), L.FIELD_VALUE),
                            inline=False)
        embed.set_footer(text=f"{len(spec.hints)} hints · starter code attached · submit with the button or "
                              f"/challenge submit {spec.id}")
    else:
        embed.add_field(name="Quiz", value=f"{len(spec.questions)} questions · pass with {spec.pass_mark}", inline=True)
        embed.set_footer(text=f"Play it with /quiz {spec.competency}")
    return fit(embed)


def starter_file(c: Challenge) -> discord.File:
    return discord.File(io.BytesIO(c.starter.encode("utf-8")), filename=f"{c.folder.name}_starter.py")


def hint_text(view: HintView) -> str:
    more = "" if view.number >= view.total else " Press **Hint** again for the next one."
    return clip(f"💡 **Hint {view.number}/{view.total}** for `{view.challenge_id}`: {view.text}{more}", L.CONTENT)


def resources_embed(groups: dict[str, list[Resource]]) -> discord.Embed:
    embed = discord.Embed(title="Learning resources", colour=COLOUR_INFO)
    if not groups:
        embed.description = "No resources here yet."
    for title, links in list(groups.items())[: L.EMBED_FIELDS]:
        value = "\n".join(f"• [{discord.utils.escape_markdown(clip(r.title, 80))}]({r.url})" for r in links)
        embed.add_field(name=clip(title, L.FIELD_NAME), value=_cut_lines(value, L.FIELD_VALUE) or "-", inline=False)
    return fit(embed)


def _cut_lines(text: str, limit: int) -> str:
    """Whole lines only (a half link would render as garbage)."""
    out: list[str] = []
    size = 0
    for line in text.splitlines():
        if size + len(line) + 1 > limit:
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


# --------------------------------------------------------------------------- grading


def grading_embed(challenge: Challenge, who: str, state: dict[str, Any]) -> discord.Embed:
    """The live message while a job is queued or running."""
    budget = challenge.spec.limits.train_budget_s
    phase = state.get("phase", "queued")
    if phase == "queued":
        position = state.get("position")
        lines = [f"⏳ Queued{f' (position {position})' if position else ''}: waiting for a free sandbox."]
    else:
        elapsed = float(state.get("elapsed") or 0.0)
        lines = [f"🏃 Running in the sandbox · stage **{state.get('stage', 'load')}**"]
        if state.get("step") is not None:
            loss = state.get("loss")
            loss_text = f" · loss {loss:.4f}" if isinstance(loss, int | float) and math.isfinite(loss) else ""
            lines.append(f"`{bar(elapsed / budget if budget else 0)}` {elapsed:5.1f}/{budget:g} s · step {state['step']}{loss_text}")
        if state.get("retry"):
            lines.append("🛠️ The grader hit a problem on our side; retrying once.")
    embed = discord.Embed(title=f"Grading {challenge.id}", description="\n".join(lines), colour=COLOUR_WAIT)
    embed.set_footer(text=f"{name(who, 80)}'s submission · Cancel stops the job")
    return fit(embed)


def _check_line(check: Any) -> str:
    get = check.get if isinstance(check, dict) else lambda k: getattr(check, k, None)
    mark = "💡" if get("warning") else "✅" if get("passed") else "❌"
    numbers = ""
    if get("value") is not None:
        numbers = f" · {number(get('value'))}"
        if get("threshold") is not None:
            numbers += f" vs {number(get('threshold'))}"
    message = neutralise(str(get("message") or ""))
    seen = " *(seen in the sandbox)*" if get("evidence") == "sandbox-observed" else ""
    return f"{mark} **{name(str(get('name')), 40)}**{numbers}" + (f": {message}" if message else "") + seen


def checks_text(checks: Iterable[Any], limit: int) -> str:
    lines = [clip(_check_line(c), 300) for c in checks]
    out: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        more = f"\n… and {len(lines) - i} more checks"
        if size + len(line) + 1 + len(more) > limit:
            out.append(more.strip())
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out) or "-"


DIAGNOSIS_MARK = {"essential": "🛑", "actionable": "👉", "informative": "ℹ️", "celebratory": "🎉"}


def diagnoses_text(items: Sequence[Diagnosis], limit: int) -> str:
    """The most important diagnoses that fit, each its evidence and its next step."""
    out: list[str] = []
    size = 0
    for d in by_urgency(list(items)):
        line = clip(f"{DIAGNOSIS_MARK.get(d.kind, '•')} {neutralise(d.evidence)}\n   ↳ *{neutralise(d.next_step)}*", 400)
        if size + len(line) + 1 > limit:
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out) or "-"


def trace_text(rows: Sequence[LayerRow], note: str) -> str:
    """The shape trace as a code block (cut from the top: the failing layer is what matters), then the note."""
    lines = [f"{'layer':<14} {'type':<11} {'input':<16} output"]
    lines += [f"{r.layer[:14]:<14} {r.type[:11]:<11} {r.input[:16]:<16} {r.output or 'FAILED'}" for r in rows]
    note_text = clip(neutralise(note), 300) if note else ""
    room = L.FIELD_VALUE - len(note_text) - 12
    body = "\n".join(lines)
    while len(body) > room and len(lines) > 2:
        lines = [lines[0], *lines[2:]]
        body = "\n".join(lines)
    return (code_block(body, room + 8) + ("\n" + note_text if note_text else ""))[: L.FIELD_VALUE]


def verdict_embed(verdict: Verdict, who: str, *, has_curve: bool = False, output_attached: bool = False) -> discord.Embed:
    report = verdict.report
    emoji, label = STATUS.get(report.status, ("❔", report.status))
    embed = discord.Embed(
        title=f"{emoji} {label} · {verdict.challenge.id}",
        colour=COLOUR_OK if report.passed else COLOUR_BAD,
        description=checks_text(report.checks, L.CHECKS_CHARS),
    )
    summary = [f"submission #{verdict.submission_id}", f"{report.runtime_s:.1f} s"]
    if report.tier:
        summary.append(TIER_MARK.get(report.tier, report.tier))
    if report.passed:
        summary.append(f"{report.points} points" + (" (first pass!)" if verdict.first_pass else ""))
    embed.add_field(name="Result", value=" · ".join(summary), inline=False)
    if report.metrics:
        metrics = ", ".join(f"{name(k, 40)} {number(v)}" for k, v in list(report.metrics.items())[:12])
        embed.add_field(name="Metrics", value=clip(metrics, L.FIELD_VALUE), inline=False)
    if verdict.points_after != verdict.points_before:
        embed.add_field(name="Your points", value=f"{verdict.points_before} → {verdict.points_after}", inline=True)
    if report.diagnoses:
        embed.add_field(name="What the run shows", value=diagnoses_text(report.diagnoses, L.FIELD_VALUE), inline=False)
    if report.trace:
        embed.add_field(name="Layer by layer (a probe batch of 2)", value=trace_text(report.trace, report.trace_note),
                        inline=False)
    out, cut = tail(report.stderr if report.status in ("error", "timeout", "memory") and report.stderr.strip() else report.stdout)
    if out:
        embed.add_field(name="Output (last lines)" + (" · full text attached" if output_attached or cut else ""),
                        value=code_block(out, L.FIELD_VALUE), inline=False)
    if has_curve:
        embed.set_image(url="attachment://loss.png")
    embed.set_footer(text=f"{name(who, 80)} · /review request {verdict.submission_id} asks a mentor to look")
    return fit(embed)


def error_embed(message: str, *, title: str = "Not graded") -> discord.Embed:
    return fit(discord.Embed(title=title, description=neutralise(message), colour=COLOUR_BAD))


def output_needs_file(report: Report) -> bool:
    for text in (report.stdout, report.stderr):
        _, cut = tail(text)
        if cut:
            return True
    return False


def output_file(report: Report) -> discord.File:
    text = f"--- stdout ---\n{_ANSI.sub('', report.stdout)}\n--- stderr ---\n{_ANSI.sub('', report.stderr)}\n"
    data = text.encode("utf-8")[: L.ATTACHMENT_BYTES]
    return discord.File(io.BytesIO(data), filename="output.txt")


def verdict_files(report: Report) -> tuple[list[discord.File], bool]:
    """Attachments for a verdict (loss curve, task pictures, full output) and whether a curve is among them."""
    pictures = verdict_pictures(report.challenge, report.losses, report.pictures)
    files = [discord.File(io.BytesIO(data), filename=filename) for filename, data in pictures.items()
             if len(data) <= L.ATTACHMENT_BYTES]
    if output_needs_file(report):
        files.append(output_file(report))
    return files[: L.ATTACHMENTS], "loss.png" in pictures


# --------------------------------------------------------------------------- progress & leaderboards


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
    embed.add_field(name="Competencies", value=_cut_lines("\n".join(lines), L.FIELD_VALUE) or "Nothing to do yet.", inline=False)
    if view.reviews:
        reviews = []
        for review in view.reviews[:5]:
            mark = "👍" if review.verdict == "approve" else "🛠️"
            reviews.append(f"{mark} #{review.submission_id}: {clip(neutralise(review.comment or ''), 120) or '(no comment)'}")
        embed.add_field(name="Mentor reviews", value=_cut_lines("\n".join(reviews), L.FIELD_VALUE), inline=False)
    if view.invalidated:
        hidden = [f"🚫 #{item.submission_id} `{item.challenge_id}`: {clip(neutralise(item.reason), 200)}"
                  for item in view.invalidated[:5]]
        embed.add_field(name="Invalidated by an admin (counts nowhere)", value=_cut_lines("\n".join(hidden), L.FIELD_VALUE),
                        inline=False)
    if view.recent:
        recent = []
        for result in view.recent[:5]:
            emoji = STATUS.get(result.status, ("❔", ""))[0]
            recent.append(f"{emoji} `{result.challenge_id}` #{result.submission_id}")
        embed.add_field(name="Recent submissions", value=_cut_lines("\n".join(recent), L.FIELD_VALUE), inline=False)
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


# --------------------------------------------------------------------------- reviews


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
    embed.description = _cut_lines("\n".join(lines), L.EMBED_DESCRIPTION)
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
