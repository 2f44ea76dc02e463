"""Synthetic 4-topic documents whose class evidence is order-dependent (design C4.5).

Why this shape: a topic generator with one keyword per class is solved by any bag of words
(a unigram ``EmbeddingBag`` scores 1.00), so it cannot teach what a text pipeline is for. Here
every class uses the same four keywords: two modifiers (``rising``, ``falling``) and two nouns
(``prices``, ``profits``). The label is the *adjacent* pair ``modifier noun`` (the bigram);
in most documents the other modifier and the other noun also occur, apart (never directly
before a noun), so each document holds each keyword once and word counts say nothing. A model
must read word order: bigram ids in an ``EmbeddingBag``, or an RNN over the tokens.

Fillers (8-20 per document) follow a Zipf law over a fixed list, so rare ones fall under
``min_freq`` and exercise ``<unk>``. Everything is lowercase and joined by single spaces
(``str.split`` tokenises it). numpy only, deterministic from the seed.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

MODIFIERS = ("rising", "falling")
NOUNS = ("prices", "profits")
TOPIC_NAMES = tuple(f"{m} {n}" for m in MODIFIERS for n in NOUNS)  # label = 2 * modifier + noun
_STEMS = ("the", "a", "market", "report", "week", "analysts", "said", "on", "in", "of", "and", "to", "shares",
          "bank", "city", "traders", "today", "after", "before", "while", "new", "data", "shows", "sector", "quarter",
          "firms", "expect", "policy", "rates", "demand", "supply", "energy", "retail", "export", "import", "growth",
          "index", "fund", "investors", "economy", "central", "global", "local", "board", "meeting", "plan", "cost",
          "wage", "tax", "trade")
FILLERS = _STEMS + tuple(f"w{i:03d}" for i in range(250))  # the tail: rare words, many under min_freq


def make_topics(n: int, seed: int, decoy_p: float = 0.8, min_fill: int = 8, max_fill: int = 20) -> dict[str, np.ndarray]:
    """``n`` documents: {"text": str array (n,), "y": int64 (n,) in 0..3}.

    Each document: ``min_fill``-``max_fill`` fillers, the label bigram at a random position and,
    with probability ``decoy_p``, the other modifier and the other noun as lone words, each
    placed where it cannot form a ``modifier noun`` pair."""
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, len(FILLERS) + 1, dtype=np.float64)
    weights = ranks**-1.1
    weights /= weights.sum()
    texts: list[str] = []
    labels = rng.integers(0, 4, size=n)
    for label in labels:
        mod, noun = divmod(int(label), 2)
        words = [FILLERS[i] for i in rng.choice(len(FILLERS), size=int(rng.integers(min_fill, max_fill + 1)), p=weights)]
        units: list[list[str]] = [[w] for w in words]
        units.insert(int(rng.integers(0, len(units) + 1)), [MODIFIERS[mod], NOUNS[noun]])
        if rng.random() < decoy_p:
            # Decoys: a lone modifier is followed by a filler, a lone noun follows a filler.
            for decoy, after in ((MODIFIERS[1 - mod], True), (NOUNS[1 - noun], False)):
                spots = [i for i in range(len(units) + 1)
                         if (after and i < len(units) and units[i][0] not in NOUNS)
                         or (not after and i > 0 and units[i - 1][-1] not in MODIFIERS)]
                units.insert(spots[int(rng.integers(0, len(spots)))], [decoy])
        texts.append(" ".join(w for unit in units for w in unit))
    return {"text": np.asarray(texts, dtype=np.str_), "y": labels.astype(np.int64)}


def label_bigrams(text: str) -> list[int]:
    """The labels whose ``modifier noun`` bigram occurs in ``text`` (a generated one has exactly one)."""
    words = text.split()
    return [2 * MODIFIERS.index(a) + NOUNS.index(b) for a, b in pairwise(words)
            if a in MODIFIERS and b in NOUNS]
