"""Synthetic "names" from 4 pseudo-languages whose class evidence is order-dependent (design C6.1).

Why this shape: with disjoint syllable inventories a minimal char RNN scores 1.00 and so does a
bag of characters, because each language owns its letters. Here all four languages use the same
16 consonants and the same 4 vowels, and every language draws each consonant and each vowel
equally often, so character counts carry no class evidence at all: "Kate" and "Keta" hold the
same letters and belong to different languages. What differs is which vowel *follows* which
consonant: a name is 2-3 consonant-vowel syllables, and in language ``l`` consonant ``j`` is
followed by vowel ``(j + l) mod 4`` (consonants 0-11, one vowel: the syllable names the
language) or by one of the vowels ``(j + l) mod 4``, ``(j + l + 1) mod 4`` (consonants 12-15:
the syllable leaves two languages). A model must read adjacent characters in order.

With probability ``noise`` the last letter is replaced by a random letter of the alphabet (the
"last-letter noise" of the design), and names are capitalised. Names whose every syllable is
ambiguous, and some noised ones, cannot be told apart by anyone: the Bayes accuracy is about
0.97 (``bayes_label`` computes it), so the pass mark leaves room for a model that has really
learned the pairs. numpy only, deterministic from the seed.
"""

from __future__ import annotations

import numpy as np

CONSONANTS = "ktrnsmldbpgvfhjz"
VOWELS = "aeio"
LETTERS = CONSONANTS + VOWELS
UNIQUE_CONSONANTS = 12  # consonants whose vowel names the language; the rest leave two languages
LANGUAGE_NAMES = ("Arvan", "Belish", "Corrin", "Dovaki")
NUM_LANGUAGES = len(LANGUAGE_NAMES)


def allowed_vowels(language: int, consonant: int) -> tuple[int, ...]:
    """Vowel indices that may follow consonant index ``consonant`` in ``language``."""
    first = (consonant + language) % len(VOWELS)
    if consonant < UNIQUE_CONSONANTS:
        return (first,)
    return first, (first + 1) % len(VOWELS)


def make_names(n: int, seed: int, noise: float = 0.3, min_syllables: int = 2,
               max_syllables: int = 3) -> dict[str, np.ndarray]:
    """``n`` names: {"word": str array (n,), "y": int64 (n,) in 0..3}."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, NUM_LANGUAGES, size=n)
    words: list[str] = []
    for language in labels:
        chars: list[str] = []
        for _ in range(int(rng.integers(min_syllables, max_syllables + 1))):
            consonant = int(rng.integers(0, len(CONSONANTS)))
            options = allowed_vowels(int(language), consonant)
            chars += [CONSONANTS[consonant], VOWELS[options[int(rng.integers(0, len(options)))]]]
        if rng.random() < noise:
            chars[-1] = LETTERS[int(rng.integers(0, len(LETTERS)))]
        words.append("".join(chars).capitalize())
    return {"word": np.asarray(words, dtype=np.str_), "y": labels.astype(np.int64)}


def _likelihood(word: str, language: int) -> float:
    """P(word | language) of the clean generator, up to factors shared by all languages."""
    p = 1.0
    for k in range(0, len(word) - 1, 2):
        consonant, vowel = word[k], word[k + 1]
        if consonant not in CONSONANTS or vowel not in VOWELS:
            return 0.0
        options = allowed_vowels(language, CONSONANTS.index(consonant))
        p *= 1.0 / len(options) if VOWELS.index(vowel) in options else 0.0
    return p


def bayes_label(word: str, noise: float = 0.3) -> int:
    """The most probable language of ``word`` under the generator (what no model can beat)."""
    w = word.lower()
    scores = [(1 - noise) * _likelihood(w, lang)
              + noise / len(LETTERS) * sum(_likelihood(w[:-1] + v, lang) for v in VOWELS)
              for lang in range(NUM_LANGUAGES)]
    return int(np.argmax(scores))
