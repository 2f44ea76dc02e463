"""The challenges feature's rendering: the catalogue, a challenge, hints, the live grading message and the verdict
(its embed and attachments)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import discord

from bot.discord import limits as L
from bot.discord.render import (
    ANSI,
    COLOUR_BAD,
    COLOUR_INFO,
    COLOUR_OK,
    COLOUR_WAIT,
    STATUS,
    TIER_MARK,
    bar,
    checks_text,
    clip,
    code_block,
    diagnoses_text,
    fit,
    name,
    neutralise,
    number,
    tail,
)
from bot.service import HintView, Verdict
from challenges.catalogue import COMPETENCIES, Challenge
from challenges.pictures import verdict_pictures
from challenges.verdict import LayerRow, Report


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
    text = f"--- stdout ---\n{ANSI.sub('', report.stdout)}\n--- stderr ---\n{ANSI.sub('', report.stderr)}\n"
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
