"""Shared synthetic data generators (design §2.12).

Every trained challenge builds its data here, from numpy only and deterministically from a seed,
so that the trusted grader can regenerate the exact training split and a hidden test split (from a
different seed) without downloads, and do so in well under the 1.5 s grader budget.

The package is called ``datagen`` rather than ``data`` because the repository's ``.gitignore``
ignores every ``data/`` folder (the SQLite files live in one).
"""

from challenges.datagen.shapes import (
    DATA_VERSION,
    SHAPE_NAMES,
    add_noise,
    make_denoise_pairs,
    make_shapes,
    render_shapes,
)
from challenges.datagen.tagging import make_tagging, randomise_future, tagging_labels

__all__ = [
    "DATA_VERSION",
    "SHAPE_NAMES",
    "add_noise",
    "make_denoise_pairs",
    "make_shapes",
    "make_tagging",
    "randomise_future",
    "render_shapes",
    "tagging_labels",
]
