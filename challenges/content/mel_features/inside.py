"""Sandbox side of C4.3 ``mel-features``: make a waveform, hand it to the learner's ``featurize``.

The waveform is generated from plain parameters (kind, frequencies, amplitude, a numpy seed) by
``make_waveform``, which the trusted side imports too: both sides build the same float32 samples,
so only the learner's output crosses back, as one array, and the reference spectrogram is
computed outside the sandbox. Imports only torch and numpy.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import torch

SAMPLE_RATE = 8000
SAMPLES = 8000


def make_waveform(spec: dict[str, Any]) -> np.ndarray:
    """A (1, 8000) float32 waveform from plain parameters; the same bits on both sides."""
    rng = np.random.default_rng(int(spec["seed"]))
    t = np.arange(SAMPLES, dtype=np.float64) / SAMPLE_RATE
    kind = spec["kind"]
    amp = float(spec.get("amp", 0.5))
    if kind == "tone":
        wave = amp * np.sin(2 * np.pi * float(spec["f0"]) * t + rng.uniform(0, 2 * np.pi))
    elif kind == "chirp":
        f0, f1 = float(spec["f0"]), float(spec["f1"])
        wave = amp * np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / 2))
    elif kind == "noise":
        wave = amp * rng.standard_normal(SAMPLES)
    elif kind == "quiet-tail":  # a loud tone, then near-silence: a dynamic range past 80 dB
        wave = amp * np.sin(2 * np.pi * float(spec["f0"]) * t)
        wave[SAMPLES // 2:] = 1e-4 * rng.standard_normal(SAMPLES - SAMPLES // 2)
    elif kind == "silence":
        wave = np.zeros(SAMPLES)
    else:
        raise ValueError(f"unknown waveform kind {kind!r}")
    return wave.astype(np.float32).reshape(1, SAMPLES)


def featurize_waveform(learner: ModuleType, spec: dict[str, Any]) -> Any:
    """Call the learner's featurize on a fresh (1, 8000) float32 tensor; its result goes back as is."""
    featurize = getattr(learner, "featurize", None)
    if not callable(featurize):
        raise TypeError("your file must define featurize(waveform)")
    return featurize(torch.from_numpy(make_waveform(spec)))
