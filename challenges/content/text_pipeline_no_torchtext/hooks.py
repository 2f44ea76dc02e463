"""C4.5 ``text-pipeline-no-torchtext``, part A: the unit calls of the pipeline pieces.

Why: torchtext's ``build_vocab_from_iterator``/``Vocab`` and its collate helpers are gone from a
torch 2.14 environment, and the pieces that replace them are where text pipelines go wrong in
silence: a ``min_freq`` that keeps rare words, ``<unk>`` ids that point at a real word, padding
with an id that is a word. Each piece is called on the grader's own small inputs (independently
of the others: ``encode`` gets our vocabulary, ``collate`` our ids) before part B trains, and
judged here. Returned values are hostile data: bounded, type-checked, never echoed raw.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np

from challenges.kinds.base import Call, CallResult
from challenges.verdict import Check

SPECIALS = ["<pad>", "<unk>"]
MAX_VOCAB = 5000
MAX_ITEMS = 10_000
_WORDS = ("river", "stone", "cloud", "lamp", "seed", "wheel", "bread", "glass", "paper", "storm", "field", "coin",
          "tower", "forest", "engine", "garden", "window", "silver", "winter", "market", "signal", "harbor")

ADVICE = {
    "vocab_specials": "Give the specials the first ids, in the order given: vocab = {s: i for i, s in "
                      "enumerate(specials)}, then add each kept word with vocab[word] = len(vocab). '<pad>' must be 0 "
                      "(pad_sequence pads with padding_value=0) and '<unk>' 1.",
    "vocab_min_freq": "Count tokens with collections.Counter(w for t in texts for w in t.split()) and keep a word "
                      "only when its count >= min_freq (>=, not >); every kept word gets one distinct id after the "
                      "specials, and no word below min_freq is in the vocabulary.",
    "encode_unk": "encode(text, vocab) is [vocab.get(w, vocab['<unk>']) for w in text.split()]: one id per "
                  "whitespace token, in order, and the '<unk>' id for a word the vocabulary does not have.",
    "collate_padding": "collate(batch) gets a list of (ids, label) pairs: turn each ids list into "
                       "torch.tensor(ids, dtype=torch.long), pad with nn.utils.rnn.pad_sequence(seqs, "
                       "batch_first=True, padding_value=0), and return (padded, torch.tensor(lengths), "
                       "torch.tensor(labels)) - the lengths before padding, all int64.",
}


def _corpus(rng: random.Random) -> tuple[list[str], Counter[str]]:
    words = rng.sample(_WORDS, 12)
    counts = dict(zip(words, [1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 6], strict=True))
    tokens = [w for w, c in counts.items() for _ in range(c)]
    rng.shuffle(tokens)
    texts, i = [], 0
    while i < len(tokens):
        n = rng.randint(2, 5)
        texts.append(" ".join(tokens[i : i + n]))
        i += n
    return texts, Counter(tokens)


def calls(rng: random.Random) -> list[Call]:
    texts, _ = _corpus(rng)
    known = rng.sample(_WORDS, 8)
    vocab = {s: i for i, s in enumerate(SPECIALS)} | {w: i + 2 for i, w in enumerate(known)}
    unknown = [w for w in _WORDS if w not in known]
    words = [rng.choice(known) for _ in range(6)] + rng.sample(unknown, 3)
    rng.shuffle(words)
    lengths = [rng.randint(1, 7) for _ in range(4)]
    lengths[rng.randrange(4)] = 8
    batch = [[[rng.randint(2, 9) for _ in range(n)], rng.randint(0, 3)] for n in lengths]
    return [
        Call("vocab_min2", "build_vocab", (texts, 2, list(SPECIALS))),
        Call("vocab_min3", "build_vocab", (texts, 3, list(SPECIALS))),
        Call("encode", "encode", (" ".join(words), vocab)),
        Call("collate", "collate", (batch,)),
    ]


def _failure(result: CallResult | None) -> str:
    """How a call failed, by the exception's type only: the learner's message is not echoed."""
    if result is None or result.error is None:
        return "returned nothing"
    kind = result.error.split(":", 1)[0].strip()
    return f"raised {kind[:60] if kind.isidentifier() else 'an error'}"


def _int_list(value: Any) -> list[int] | None:
    """A flat list of ints (a list, or a 1-D integer array), or None."""
    if isinstance(value, np.ndarray):
        if value.ndim != 1 or value.dtype.kind not in "iu" or value.size > MAX_ITEMS:
            return None
        return [int(v) for v in value.tolist()]
    if isinstance(value, list) and len(value) <= MAX_ITEMS and all(type(v) is int for v in value):
        return list(value)
    return None


def _judge_vocab(call: Call, result: CallResult | None) -> tuple[str | None, str | None]:
    """(problem with the specials, problem with min_freq), each None when it holds."""
    if result is None or not result.ok:
        problem = f"build_vocab() {_failure(result)}"
        return problem, problem
    vocab = result.value
    if not isinstance(vocab, dict) or len(vocab) > MAX_VOCAB or not all(type(v) is int for v in vocab.values()):
        problem = "build_vocab must return a dict {token: int id}"
        return problem, problem
    specials = None
    if vocab.get("<pad>") != 0 or vocab.get("<unk>") != 1:
        specials = "'<pad>' must have id 0 and '<unk>' id 1"
    texts, min_freq = call.args[0], int(call.args[1])
    counts = Counter(w for t in texts for w in t.split())
    want = {w for w, c in counts.items() if c >= min_freq}
    words = set(vocab) - set(SPECIALS)
    freq = None
    if words != want:
        extra, missing = len(words - want), len(want - words)
        freq = f"with min_freq={min_freq}: {extra} word(s) kept that occur fewer times, {missing} frequent word(s) missing"
    elif sorted(vocab.values()) != list(range(len(vocab))):
        freq = "ids must be distinct and run 0..len(vocab)-1"
    return specials, freq


def _judge_encode(call: Call, result: CallResult | None) -> str | None:
    if result is None or not result.ok:
        return f"encode() {_failure(result)}"
    got = _int_list(result.value)
    text, vocab = call.args
    want = [vocab.get(w, vocab["<unk>"]) for w in str(text).split()]
    if got is None:
        return "encode must return a list (or 1-D tensor) of int ids"
    if got != want:
        unk = sum(1 for g, w in zip(got, want, strict=False) if w == 1 and g != 1)
        return f"{len(got)} ids for {len(want)} tokens; {unk} unknown word(s) not mapped to '<unk>' (id 1)" if unk \
            else f"{len(got)} ids for {len(want)} tokens, not the vocabulary's ids in order"
    return None


def _judge_collate(call: Call, result: CallResult | None) -> str | None:
    if result is None or not result.ok:
        return f"collate() {_failure(result)}"
    value = result.value
    if not isinstance(value, list) or len(value) != 3:
        return "collate must return a tuple (padded, lengths, labels)"
    padded, lengths, labels = value
    batch = call.args[0]
    want_len = [len(ids) for ids, _ in batch]
    width = max(want_len)
    want = np.zeros((len(batch), width), dtype=np.int64)
    for row, (ids, _) in enumerate(batch):
        want[row, : len(ids)] = ids
    if not isinstance(padded, np.ndarray) or padded.dtype != np.int64:
        return "padded must be a LongTensor (int64)"
    if padded.shape != want.shape:
        return f"padded has shape {tuple(padded.shape)[:4]}, expected (batch, longest) = {want.shape} (batch_first=True)"
    if not np.array_equal(padded, want):
        return "padded must hold each sequence from the left, then pad id 0 up to the longest"
    if _int_list(lengths) != want_len:
        return "lengths must be the sequence lengths before padding"
    got_labels = _int_list(labels)
    if not isinstance(labels, np.ndarray) or labels.dtype != np.int64 or got_labels != [lab for _, lab in batch]:
        return "labels must be an int64 tensor of the batch's labels, in order"
    return None


def judge(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    by_id = {c.id: c for c in calls}
    problems: dict[str, list[str]] = {name: [] for name in ADVICE}
    for cid in ("vocab_min2", "vocab_min3"):
        specials, freq = _judge_vocab(by_id[cid], results.get(cid))
        problems["vocab_specials"] += [specials] if specials else []
        problems["vocab_min_freq"] += [freq] if freq else []
    for name, cid, fn in (("encode_unk", "encode", _judge_encode), ("collate_padding", "collate", _judge_collate)):
        problem = fn(by_id[cid], results.get(cid))
        problems[name] += [problem] if problem else []
    what = {"vocab_specials": "build_vocab puts '<pad>' at 0 and '<unk>' at 1",
            "vocab_min_freq": "build_vocab keeps exactly the words with count >= min_freq",
            "encode_unk": "encode maps each token to its id, unknown ones to '<unk>'",
            "collate_padding": "collate pads with id 0 and returns (padded, lengths, labels) as int64"}
    return [Check(name, not found, what[name] if not found else f"{what[name]}: {found[0]}",
                  advice="" if not found else ADVICE[name]) for name, found in problems.items()]
