"""Synthetic audio clips for ``audio-classifier`` (design C4.4): 0.5 s at 8 kHz, six classes.

The design's four classes (low tone, high tone at 4x f0, a chirp, an amplitude-modulated tone)
were too easy (a mel + 2-conv CNN scored 1.00). The requirement is a reference at 0.93-0.97 and a
failing time-averaged log-mel baseline, so classes now come in pairs whose time-averaged spectra
match and only their course in time differs:

* 0 low tone f0, 1 high tone 4 f0 (told apart by any spectrum);
* 2 up-chirp f0 -> 4 f0, 3 down-chirp 4 f0 -> f0 (the same average spectrum, opposite direction);
* 4 AM tone at f0 modulated at 3-5 Hz, 5 the same at 14-18 Hz (the same carrier, another rhythm).

Each clip: f0 ~ U(300, 500) Hz, a random phase and gain, white noise of std ``noise``. Every value
comes from one ``default_rng(seed)``; nothing is downloaded.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 8000
CLASS_NAMES: tuple[str, ...] = ("low-tone", "high-tone", "up-chirp", "down-chirp", "am-slow", "am-fast")


def make_audio_clips(n: int, seed: int, seconds: float = 0.5, noise: float = 0.3) -> dict[str, np.ndarray]:
    """``wave`` (n, 1, samples) float32 and ``y`` (n,) int64 in 0..5."""
    rng = np.random.default_rng(seed)
    samples = int(SAMPLE_RATE * seconds)
    t = np.arange(samples, dtype=np.float64)[None, :] / SAMPLE_RATE
    y = rng.integers(0, len(CLASS_NAMES), size=n)
    f0 = rng.uniform(300.0, 500.0, size=(n, 1))
    phase = rng.uniform(0.0, 2 * np.pi, size=(n, 1))
    gain = rng.uniform(0.4, 1.0, size=(n, 1))
    rate = np.where(y[:, None] == 4, rng.uniform(3.0, 5.0, size=(n, 1)), rng.uniform(14.0, 18.0, size=(n, 1)))
    k = 3.0 * f0 / seconds  # chirp slope (Hz per second) from f0 to 4 f0 over the clip
    up = 2 * np.pi * (f0 * t + 0.5 * k * t * t)
    down = 2 * np.pi * (4 * f0 * t - 0.5 * k * t * t)
    tone = np.sin(2 * np.pi * f0 * t + phase)
    am = (0.55 + 0.45 * np.sin(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi, size=(n, 1)))) * tone
    signal = np.select(
        [y[:, None] == 0, y[:, None] == 1, y[:, None] == 2, y[:, None] == 3],
        [tone, np.sin(2 * np.pi * 4 * f0 * t + phase), np.sin(up + phase), np.sin(down + phase)],
        default=am,
    )
    wave = gain * signal + noise * rng.standard_normal(size=(n, samples))
    return {"wave": wave[:, None, :].astype(np.float32), "y": y.astype(np.int64)}
