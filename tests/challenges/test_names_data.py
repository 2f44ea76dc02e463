"""The ``names`` generator (C6.1): deterministic, bounded, and order-dependent by construction:
every language uses each letter equally often, so counts carry no evidence, while which vowel
follows which consonant does (up to the noise, the Bayes accuracy stays near 0.97)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from challenges.baselines import BASELINES
from challenges.datagen import GENERATORS
from challenges.datagen.names import (
    CONSONANTS,
    LETTERS,
    NUM_LANGUAGES,
    VOWELS,
    _likelihood,
    allowed_vowels,
    bayes_label,
    make_names,
)


def test_deterministic_and_shaped() -> None:
    a, b, c = make_names(300, 5), make_names(300, 5), make_names(300, 6)
    assert np.array_equal(a["word"], b["word"]) and np.array_equal(a["y"], b["y"])
    assert not np.array_equal(a["word"], c["word"])
    assert a["y"].dtype == np.int64 and set(np.unique(a["y"])) == set(range(NUM_LANGUAGES))
    assert all(4 <= len(w) <= 6 and w[0].isupper() and w[1:].islower() for w in a["word"])
    assert all(set(str(w).lower()) <= set(LETTERS) for w in a["word"])


def test_clean_names_follow_their_language() -> None:
    data = make_names(400, 2, noise=0.0)
    assert all(_likelihood(str(w).lower(), int(y)) > 0 for w, y in zip(data["word"], data["y"], strict=True))


def test_every_language_draws_each_vowel_equally_often() -> None:
    for language in range(NUM_LANGUAGES):
        share = Counter(v for j in range(len(CONSONANTS)) for v in allowed_vowels(language, j)
                        for _ in range(2 // len(allowed_vowels(language, j))))
        assert sorted(share.values()) == [len(CONSONANTS) // len(VOWELS) * 2] * len(VOWELS)


def test_letter_counts_carry_no_evidence() -> None:
    data = make_names(8000, 3)
    freq = np.zeros((NUM_LANGUAGES, len(LETTERS)))
    for word, language in zip(data["word"], data["y"], strict=True):
        for char in str(word).lower():
            freq[int(language), LETTERS.index(char)] += 1
    freq /= freq.sum(axis=1, keepdims=True)
    assert np.abs(freq - freq.mean(axis=0)).max() < 0.01


def test_the_order_decides_and_the_noise_leaves_room() -> None:
    data = make_names(3000, 4)
    bayes = np.mean([bayes_label(str(w)) == y for w, y in zip(data["word"], data["y"], strict=True)])
    assert 0.94 < bayes < 0.99


def test_bag_of_characters_baseline_stays_clearly_below_the_pass_mark() -> None:
    baseline = BASELINES["bag-of-characters"]
    params = {"input": "word", "label": "y", "num_classes": 4}
    state = baseline.fit(GENERATORS["names"](1500, 1), params)  # type: ignore[misc]
    figure = baseline.score(state, GENERATORS["names"](600, 2), params)["baseline_accuracy"]
    assert figure <= 0.40  # chance is 0.25: counts say nothing here
