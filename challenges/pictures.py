"""Verdict pictures drawn with matplotlib's Agg backend (no display, no downloads)."""

from __future__ import annotations

import io
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
