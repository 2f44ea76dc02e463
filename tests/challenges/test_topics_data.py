"""The ``topics`` generator (C4.5): deterministic, bounded, and order-dependent by construction:
word counts carry no class evidence once the decoys are in, the label bigram always does."""

from __future__ import annotations

from collections import Counter

import numpy as np

from challenges.baselines import BASELINES
from challenges.datagen import GENERATORS
from challenges.datagen.topics import MODIFIERS, NOUNS, label_bigrams, make_topics

KEYWORDS = (*MODIFIERS, *NOUNS)


def test_deterministic_and_shaped() -> None:
    a, b, c = make_topics(200, 5), make_topics(200, 5), make_topics(200, 6)
    assert np.array_equal(a["text"], b["text"]) and np.array_equal(a["y"], b["y"])
    assert not np.array_equal(a["text"], c["text"])
    assert a["y"].dtype == np.int64 and set(np.unique(a["y"])) == {0, 1, 2, 3}
    lengths = [len(t.split()) for t in a["text"]]
    assert min(lengths) >= 10 and max(lengths) <= 24 and all(t == " ".join(t.split()) for t in a["text"])


def test_exactly_one_label_bigram_in_every_document() -> None:
    data = make_topics(500, 11)
    assert all(label_bigrams(str(t)) == [int(y)] for t, y in zip(data["text"], data["y"], strict=True))


def test_with_decoys_every_keyword_occurs_once() -> None:
    data = make_topics(300, 3, decoy_p=1.0)
    for text in data["text"]:
        counts = Counter(str(text).split())
        assert [counts[k] for k in KEYWORDS] == [1, 1, 1, 1]


def test_bag_of_words_baseline_stays_clearly_below_the_pass_mark() -> None:
    baseline = BASELINES["bag-of-words"]
    params = {"input": "text", "label": "y", "num_classes": 4}
    state = baseline.fit(GENERATORS["topics"](1500, 1, decoy_p=0.8), params)  # type: ignore[misc]
    figure = baseline.score(state, GENERATORS["topics"](600, 2, decoy_p=0.8), params)["baseline_accuracy"]
    assert 0.3 < figure <= 0.6  # 0.2 of the texts have no decoys: chance 0.25 on the rest
