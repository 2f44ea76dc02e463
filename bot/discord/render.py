"""Discord rendering shared by every feature: text helpers, the status marks, check and diagnosis
lists, and `fit`, which keeps any embed within Discord's limits. Each feature renders its own
results in its folder (``bot.discord.<feature>.render``) with these.

Pure functions (no network, no bot): the rendering tests check every one of them against the
limits in `bot.discord.limits`. Learner-controlled text (names, output, code,
review comments) is neutralised: mentions cannot ping, backticks cannot break a code fence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import discord

from bot.discord import limits as L
from challenges.verdict import Diagnosis, by_urgency
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
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
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
    text = ANSI.sub("", text).rstrip()
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



def cut_lines(text: str, limit: int) -> str:
    """Whole lines only (a half link would render as garbage)."""
    out: list[str] = []
    size = 0
    for line in text.splitlines():
        if size + len(line) + 1 > limit:
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


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


