"""Helpers for the trusted half of trained challenges (each ``content/*/grader.py``).

They keep graders short and uniform: reading the challenge's own spec (seeds for cached baselines,
tiers), turning a threshold comparison into a ``Check``, turning a ``PredictionError`` into a failed
check rather than a crash, reading untrusted facts defensively, scoring tiers, and drawing optional
pictures with matplotlib's Agg backend. Nothing here imports the bot, the database or the sandbox.
"""

from __future__ import annotations

import io
import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from challenges.base import Check, Evaluation, finite
from challenges.catalogue import ChallengeSpec, Tiers


@cache
def load_spec(folder: Path) -> ChallengeSpec:
    """The validated ``challenge.toml`` of a challenge folder (cached)."""
    return ChallengeSpec(**tomllib.loads((folder / "challenge.toml").read_text(encoding="utf-8")))


def at_least(name: str, value: float, threshold: float, what: str) -> Check:
    ok = value >= threshold
    return Check(name, ok, f"{what} {value:.4g} {'>=' if ok else '<'} {threshold:.4g}", finite(value), threshold)


def at_most(name: str, value: float, threshold: float, what: str) -> Check:
    ok = value <= threshold
    return Check(name, ok, f"{what} {value:.4g} {'<=' if ok else '>'} {threshold:.4g}", finite(value), threshold)


def fact_bool(facts: Mapping[str, Any], key: str) -> bool:
    """A boolean fact; anything that is not literally ``True`` counts as false."""
    return facts.get(key) is True


def fact_int(facts: Mapping[str, Any], key: str) -> int | None:
    value = facts.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def fact_shape(facts: Mapping[str, Any], key: str) -> list[int] | None:
    value = facts.get(key)
    if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return value
    return None


def tier_for(passed: bool, value: float, tiers: Tiers | None) -> str | None:
    """None when failed, else bronze/silver/gold by the challenge's tier cut-offs."""
    if not passed:
        return None
    if tiers is None:
        return "bronze"

    def beats(cut: float) -> bool:
        return value >= cut if tiers.higher_is_better else value <= cut

    if beats(tiers.gold):
        return "gold"
    if beats(tiers.silver):
        return "silver"
    return "bronze"


def conclude(
    checks: list[Check],
    metrics: Mapping[str, float],
    score: float,
    primary: float,
    tiers: Tiers | None,
    pictures: dict[str, bytes] | None = None,
) -> Evaluation:
    """Assemble an Evaluation with finite metrics, a score clamped to [0, 1] and the tier."""
    passed = bool(checks) and all(c.passed for c in checks)
    return Evaluation(
        checks=checks,
        metrics={k: finite(v) for k, v in metrics.items()},
        score=min(1.0, max(0.0, finite(score))),
        tier=tier_for(passed, primary, tiers),
        pictures=pictures or {},
    )


def image_grid_png(rows: Sequence[tuple[str, np.ndarray]], columns: int = 6) -> bytes:
    """A PNG grid: one row per (label, images (N, 1, H, W)), the first ``columns`` images each."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1.3 * columns, 1.4 * len(rows)), dpi=80)
    axes = fig.subplots(len(rows), columns, squeeze=False)
    for r, (label, images) in enumerate(rows):
        for c in range(columns):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(images):
                ax.imshow(np.clip(images[c, 0], 0, 1), cmap="gray", vmin=0, vmax=1)
            if c == 0:
                ax.set_ylabel(label)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
