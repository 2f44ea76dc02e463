"""The ``reversal`` generator (C6.4), its exact-sequence metric and its per-position baseline:
targets are the reversed valid prefix through a fixed derangement, padding is never scored, a
plain flip scores about 0, and a linear model per position (no recurrence) fails clearly."""

from __future__ import annotations

import numpy as np

from challenges.baselines import BASELINES
from challenges.datagen import GENERATORS
from challenges.datagen.reversal import NUM_SYMBOLS, PAD, SUBSTITUTION, make_reversal, reverse_valid
from challenges.metrics import METRICS, exact_sequence_accuracy


def test_inputs_are_padded_sequences_of_five_to_eight_symbols() -> None:
    data = make_reversal(500, 1)
    x, y = data["X"], data["Y"]
    assert x.shape == y.shape == (500, 8) and x.dtype == y.dtype == np.int64
    lengths = (x != PAD).sum(axis=1)
    assert set(np.unique(lengths)) == {5, 6, 7, 8}
    assert all((row[:n] != PAD).all() and (row[n:] == PAD).all() for row, n in zip(x, lengths, strict=True))
    assert x.max() == NUM_SYMBOLS and np.array_equal(y != PAD, x != PAD)
    assert np.array_equal(make_reversal(50, 3)["X"], make_reversal(50, 3)["X"])


def test_targets_are_the_reversed_prefix_through_a_derangement() -> None:
    assert sorted(SUBSTITUTION[1:].tolist()) == list(range(1, NUM_SYMBOLS + 1)) and SUBSTITUTION[PAD] == PAD
    assert all(SUBSTITUTION[s] != s for s in range(1, NUM_SYMBOLS + 1))
    x = np.asarray([[3, 1, 4, 1, 5, 0, 0, 0]])
    assert reverse_valid(x).tolist() == [[5, 1, 4, 1, 3, 0, 0, 0]]
    data = make_reversal(200, 2)
    for row, target in zip(data["X"], data["Y"], strict=True):
        n = int((row != PAD).sum())
        assert target[:n].tolist() == [int(SUBSTITUTION[s]) for s in row[:n][::-1]]


def test_exact_sequences_ignore_padding_and_a_plain_flip_scores_about_zero() -> None:
    data = GENERATORS["reversal"](400, 5)
    y = data["Y"]
    noisy_padding = np.where(y == PAD, 7, y)
    assert exact_sequence_accuracy(noisy_padding, y) == 1.0
    one_wrong = y.copy()
    one_wrong[0, 0] = SUBSTITUTION[one_wrong[0, 0]]
    assert METRICS["sequence_accuracy"].fn(one_wrong, y, {}, {"pad": 0}) == 1.0 - 1 / 400
    assert exact_sequence_accuracy(reverse_valid(data["X"]), y) < 0.02


def test_per_position_linear_baseline_fails_clearly() -> None:
    baseline = BASELINES["per-position-linear"]
    params = {"input": "X", "label": "Y", "vocab": 11}
    state = baseline.fit(GENERATORS["reversal"](2000, 1), params)  # type: ignore[misc]
    figures = baseline.score(state, GENERATORS["reversal"](500, 2), params)
    assert figures["baseline_sequence_accuracy"] < 0.1 < figures["baseline_position_accuracy"] < 0.8
