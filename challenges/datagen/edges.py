"""Edge-detection data (C5.3): the segmentation scenes at a higher noise, with their label edges.

Why these scenes: they are C5.2's (design §2.12), so an edge is where a circle, a square or the
background meets another, and the gradient background plus noise sigma 0.30 leave a fixed filter
(Sobel) well short of what a trained network finds (at sigma 0.15 Sobel already reaches 0.94 F1).
Edges are pixels whose 4-neighbour has another label (``edge_scoring.label_edges``): about 10 %
of the pixels.
"""

from __future__ import annotations

import numpy as np

from challenges.datagen.segmentation import make_segmentation
from challenges.edge_scoring import label_edges

EDGE_NOISE = 0.30


def make_edges(n: int, seed: int, size: int = 32, noise: float = EDGE_NOISE) -> dict[str, np.ndarray]:
    """``x`` images ``(n, 1, size, size)`` float32 in [0, 1], ``edges`` ``(n, 1, size, size)`` bool."""
    x, mask = make_segmentation(n, seed, size=size, noise=noise)
    return {"x": x, "edges": label_edges(mask)[:, None]}
