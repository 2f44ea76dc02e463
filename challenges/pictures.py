"""Verdict pictures drawn with matplotlib's Agg backend (no display, no downloads)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np


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


def loss_curve_png(losses: Sequence[float], title: str = "training loss") -> bytes | None:
    """A small PNG of the loss curve (matplotlib, Agg), or None when there is nothing to plot."""
    points = [(i, v) for i, v in enumerate(losses) if isinstance(v, int | float) and math.isfinite(v)]
    if len(points) < 2:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 2.6), dpi=100)
    ax = fig.subplots()
    ax.plot([p[0] for p in points], [p[1] for p in points], color="#5865F2", linewidth=1.6)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    if min(p[1] for p in points) > 0 and max(p[1] for p in points) / min(p[1] for p in points) > 50:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def verdict_pictures(challenge: str, losses: Sequence[float], pictures: dict[str, bytes], most: int = 3) -> dict[str, bytes]:
    """A verdict's pictures as files: ``loss.png`` (the training loss, when there is one) and the
    task's own (a safe file name each). Every front end shows these same files."""
    import re

    files: dict[str, bytes] = {}
    curve = loss_curve_png(losses, f"{challenge}: training loss")
    if curve is not None:
        files["loss.png"] = curve
    for name, data in list(pictures.items())[:most]:
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:40] or "picture"
        if safe != "loss":
            files[f"{safe}.png"] = data
    return files
