"""Token-tagging data for C6.2 ``bilstm-future-context`` (design §3, C6.2).

Sequences of T = 20 uniform tokens over V = 10. The tag at position t is 1 iff x[t+2] < 5, so a
causal (left-to-right) model cannot know it: its ceiling is ~0.55 (the last two positions, which use
x[t-1], are the only ones it can get right). A bidirectional RNN sees the future and reaches ~1.0.

``randomise_future`` builds the anti-cheat copy: for each sequence a pivot p is drawn and every
token after p + 2 is redrawn; tags at t <= p are unchanged, so a legitimate model's predictions
there should (nearly) not change.
"""

from __future__ import annotations

import numpy as np

SEQ_LEN = 20
VOCAB = 10
CUT = 5  # tag 1 iff the looked-at token is < CUT
LOOKAHEAD = 2


def tagging_labels(x: np.ndarray) -> np.ndarray:
    """Tags for token sequences ``x`` of shape (N, T): x[t+2] < 5, the last two use x[t-1]."""
    t = x.shape[1]
    y = np.empty_like(x)
    y[:, : t - LOOKAHEAD] = x[:, LOOKAHEAD:] < CUT
    y[:, t - LOOKAHEAD :] = x[:, t - LOOKAHEAD - 1 : t - 1] < CUT
    return y.astype(np.int64)


def make_tagging(n: int, seed: int, seq_len: int = SEQ_LEN, vocab: int = VOCAB) -> tuple[np.ndarray, np.ndarray]:
    """``(X, Y)``: int64 tokens (N, T) uniform over ``vocab`` and their int64 tags (N, T)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, vocab, size=(n, seq_len)).astype(np.int64)
    return x, tagging_labels(x)


def randomise_future(x: np.ndarray, seed: int, vocab: int = VOCAB) -> tuple[np.ndarray, np.ndarray]:
    """A copy of ``x`` with the tokens after ``pivot + 2`` redrawn, and the per-row pivots.

    Pivots are uniform in [0, T - 4], so at least one token is redrawn in every row; tags at
    positions t <= pivot depend only on tokens that were kept.
    """
    rng = np.random.default_rng([seed, 0x66757475])
    n, t = x.shape
    pivot = rng.integers(0, t - LOOKAHEAD - 1, size=n)
    fresh = rng.integers(0, vocab, size=x.shape)
    after = np.arange(t)[None, :] > (pivot[:, None] + LOOKAHEAD)
    return np.where(after, fresh, x).astype(np.int64), pivot.astype(np.int64)
