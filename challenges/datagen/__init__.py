"""Shared synthetic data generators (design §2.12).

Every trained challenge builds its data here, from numpy only and deterministically from a seed,
so that the trusted grader can regenerate the exact training split and a hidden test split (from a
different seed) without downloads, and do so in well under the 1.5 s grader budget.

The package is called ``datagen`` rather than ``data`` because the repository's ``.gitignore``
ignores every ``data/`` folder (the SQLite files live in one).
"""

from collections.abc import Callable
from typing import Any

import numpy as np

from challenges.datagen.audio import make_audio_clips
from challenges.datagen.blind import make_blind_denoise
from challenges.datagen.edges import make_edges
from challenges.datagen.names import LANGUAGE_NAMES, make_names
from challenges.datagen.reversal import make_reversal, reversal_targets
from challenges.datagen.segmentation import make_segmentation
from challenges.datagen.shapes import (
    DATA_VERSION,
    SHAPE_NAMES,
    add_noise,
    make_denoise_pairs,
    make_shapes,
    make_shapes_rgb,
    render_shapes,
)
from challenges.datagen.tagging import make_tagging, randomise_future, tagging_labels
from challenges.datagen.topics import TOPIC_NAMES, make_topics
from challenges.datagen.transfer import TARGET_NAMES, make_transfer_target

#: A generator: (n, seed, **params) -> named arrays. Trained challenges name one in their TOML.
Generator = Callable[..., dict[str, np.ndarray]]


def _shapes(n: int, seed: int, **params: Any) -> dict[str, np.ndarray]:
    x, y = make_shapes(n, seed, **params)
    return {"x": x, "y": y}


def _denoise_pairs(n: int, seed: int, **params: Any) -> dict[str, np.ndarray]:
    noisy, clean = make_denoise_pairs(n, seed, **params)
    return {"noisy": noisy, "clean": clean}


def _tagging(n: int, seed: int, **params: Any) -> dict[str, np.ndarray]:
    x, y = make_tagging(n, seed, **params)
    return {"X": x, "Y": y}


def _segmentation(n: int, seed: int, **params: Any) -> dict[str, np.ndarray]:
    x, mask = make_segmentation(n, seed, **params)
    return {"x": x, "mask": mask}


GENERATORS: dict[str, Generator] = {
    "segmentation": _segmentation,
    "edges": make_edges,
    "shapes": _shapes,
    "denoise-pairs": _denoise_pairs,
    "blind-denoise-pairs": make_blind_denoise,
    "tagging": _tagging,
    "shapes-rgb": make_shapes_rgb,
    "audio-clips": make_audio_clips,
    "topics": make_topics,
    "names": make_names,
    "reversal": make_reversal,
    "transfer-target": make_transfer_target,
}

__all__ = [
    "DATA_VERSION",
    "GENERATORS",
    "LANGUAGE_NAMES",
    "SHAPE_NAMES",
    "TARGET_NAMES",
    "TOPIC_NAMES",
    "add_noise",
    "make_blind_denoise",
    "make_denoise_pairs",
    "make_edges",
    "make_names",
    "make_reversal",
    "make_segmentation",
    "make_shapes",
    "make_tagging",
    "make_topics",
    "make_transfer_target",
    "randomise_future",
    "render_shapes",
    "reversal_targets",
    "tagging_labels",
]
