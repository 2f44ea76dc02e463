"""Plain-text rendering of service results, for the console and the CLI."""

from __future__ import annotations

from typing import Any

from bot.service import HintView, LeaderboardView, ProgressView, Verdict
from challenges.catalogue import COMPETENCIES, Challenge, Resource
from challenges.verdict import Diagnosis, LayerRow, Report, by_urgency

STATUS_MARK = {
    "passed": "PASSED", "failed": "FAILED", "error": "ERROR", "timeout": "TIMEOUT", "memory": "OUT OF MEMORY",
    "rejected": "REJECTED", "infrastructure": "GRADER PROBLEM (not counted)",
}


def bar(fraction: float, width: int = 20) -> str:
    fraction = min(max(fraction, 0.0), 1.0)
    filled = round(fraction * width)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def challenge_list(challenges: list[Challenge]) -> str:
    if not challenges:
        return "No challenges here yet."
    lines = []
    current = None
    for c in challenges:
        if c.spec.competency != current:
            current = c.spec.competency
            lines.append(f"\n{current}. {COMPETENCIES[current]}")
        kind = "quiz" if c.spec.kind == "quiz" else c.spec.difficulty
        title = c.spec.title if len(c.spec.title) <= 44 else c.spec.title[:43] + "…"
        lines.append(f"  {c.id:<24} {title:<44} {kind:<12} {c.spec.points:>4} pts")
    return "\n".join(lines).lstrip("\n")


def challenge_detail(c: Challenge) -> str:
    spec = c.spec
    lines = [f"{spec.title}  ({spec.id})", f"Competency {spec.competency}: {COMPETENCIES[spec.competency]}",
             f"{spec.difficulty} · {spec.points} points · {spec.kind}", "", c.statement.strip(), ""]
    if spec.kind != "quiz":
        lines.append("Contract:")
        lines += [f"  {item}" for item in spec.contract]
        lim = spec.limits
        lines += ["", "To pass:"] + [f"  {line}" for line in c.pass_lines()]
        if spec.kind == "trained":
            lines += ["", f"Limits: train budget {lim.train_budget_s:g} s (hard stop {lim.wall_s:g} s), "
                      f"{lim.memory_mb} MB memory, {lim.threads} CPU threads, no network, no downloads."]
        elif spec.kind == "functions":
            lines += ["", f"Limits: {lim.call_s:g} s for all calls, {lim.memory_mb} MB memory, no network."]
        paths = "PATH" if spec.python_file else " ".join(f.name for f in spec.files)
        if not spec.python_file:
            lines += ["", "Files: " + ", ".join(f.name + ("" if f.required else " (optional)") for f in spec.files)]
        lines += [f"Hints: {len(spec.hints)} (use /hint {spec.id})", f"Submit: /challenge submit {spec.id} {paths}"]
    else:
        lines.append(f"{len(spec.questions)} questions; pass with {spec.pass_mark}. Play: /quiz {spec.id}")
    return "\n".join(lines)


def hint(view: HintView) -> str:
    return f"Hint {view.number}/{view.total} for {view.challenge_id}: {view.text}"


def resources(groups: dict[str, list[Resource]]) -> str:
    lines = []
    for title, links in groups.items():
        lines.append(title)
        lines += [f"  - {r.title}: {r.url}" for r in links]
    return "\n".join(lines)


def _value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def report(r: Report) -> str:
    lines = [f"{STATUS_MARK.get(r.status, r.status.upper())}: {r.challenge}"
             + (f" · tier {r.tier}" if r.tier else "") + (f" · {r.points} points" if r.points else "")]
    for check in r.checks:
        mark = "note" if check.warning else "ok  " if check.passed else "NO  "
        numbers = ""
        if check.value is not None:
            numbers = f" ({_value(check.value)}" + (f" vs {_value(check.threshold)}" if check.threshold is not None else "") + ")"
        seen = " [seen in the sandbox]" if check.evidence == "sandbox-observed" else ""
        lines.append(f"  {mark} {check.name}{numbers}: {check.message}{seen}")
    if r.metrics:
        lines.append("  metrics: " + ", ".join(f"{k}={_value(v)}" for k, v in r.metrics.items()))
    if r.losses:
        lines.append(f"  loss: first {r.losses[0]:.4g}, last {r.losses[-1]:.4g} over {len(r.losses)} steps")
    lines += diagnoses(r.diagnoses)
    lines += trace_table(r.trace, r.trace_note)
    lines.append(f"  runtime: {r.runtime_s:.1f} s")
    tail = r.stderr.strip()
    if tail and r.status in ("error", "timeout", "memory"):
        lines.append("  output (last lines):")
        lines += ["    " + line for line in tail.splitlines()[-8:]]
    return "\n".join(lines)


DIAGNOSIS_MARK = {"essential": "!!", "actionable": "->", "informative": "i ", "celebratory": "**"}


def diagnoses(items: list[Diagnosis]) -> list[str]:
    """What the run shows, most important first: the evidence, then the next step."""
    if not items:
        return []
    lines = ["  what the run shows:"]
    for d in by_urgency(items):
        where = f" (line {d.line})" if d.line else ""
        lines.append(f"    {DIAGNOSIS_MARK.get(d.kind, '  ')} [{d.kind}] {d.evidence}{where}")
        lines.append(f"       next: {d.next_step}")
    return lines


def trace_table(rows: list[LayerRow], note: str) -> list[str]:
    """The shape trace as a table: each layer the probe batch reached, the failing one last."""
    if not rows:
        return []
    header = ("#", "layer", "type", "input", "output", "params")
    body = [(str(i), r.layer, r.type, r.input, r.output if r.output is not None else "FAILED", f"{r.params:,}")
            for i, r in enumerate(rows, 1)]
    widths = [max(len(row[k]) for row in [header, *body]) for k in range(len(header))]
    lines = ["  layer by layer (a probe batch of 2):"]
    for row in [header, *body]:
        lines.append("    " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    if note:
        lines.append(f"    {note}")
    return lines


def verdict(v: Verdict) -> str:
    text = f"Submission #{v.submission_id}\n" + report(v.report)
    if v.points_after != v.points_before:
        text += f"\n  Your points: {v.points_before} -> {v.points_after}"
    return text


def event_line(event: dict[str, Any], budget_s: float) -> str | None:
    kind = event.get("type")
    if kind == "queued":
        return f"  queued (position {event.get('position')})"
    if kind == "started":
        return "  running in the sandbox"
    if kind == "retry":
        return "  the grader hit a problem on our side; retrying once"
    if kind == "phase":
        return f"  stage: {event.get('name')}"
    if kind == "progress":
        elapsed = float(event.get("elapsed") or 0)
        loss = event.get("loss")
        loss_text = f" loss {loss:.4f}" if isinstance(loss, (int, float)) else ""
        return f"  {bar(elapsed / budget_s)} {elapsed:5.1f}s step {event.get('step')}{loss_text}"
    return None


def progress(view: ProgressView) -> str:
    lines = [f"Progress of {view.who.display_name}: {view.total_points} points"]
    for line in view.lines:
        if line.total == 0:
            continue
        done = len(line.passed)
        lines.append(f"  {line.competency}. {line.title[:44]:<44} {bar(done / line.total, 10)} {done}/{line.total}"
                     + (f"  {line.points} pts" if line.points else ""))
    if view.reviews:
        lines.append("Mentor reviews:")
        for review in view.reviews:
            lines.append(f"  #{review.submission_id}: {review.verdict} - {review.comment[:80]}")
    if view.invalidated:
        lines.append("Results an admin invalidated (they count nowhere):")
        for item in view.invalidated:
            lines.append(f"  #{item.submission_id} {item.challenge_id}: {item.reason[:200]}")
    return "\n".join(lines)


def leaderboard(view: LeaderboardView) -> str:
    lines = [view.title]
    if not view.rows:
        lines.append("  nobody has points here yet: be the first!")
    for row in view.rows:
        lines.append(f"  {row.rank:>3}. {row.display_name[:28]:<28} {row.points:>6} pts  {row.passed_count:>3} passed")
    lines.append(f"  your rank: {view.own_rank if view.own_rank else 'unranked'}")
    return "\n".join(lines)
