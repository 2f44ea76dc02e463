"""C6.3 ``birnn-text-features``: the trusted half of a ``functions`` challenge whose probe is ours.

The learner writes ``encode(padded, lengths) -> (N, 2H)``: the last layer's final forward and
backward states of a bidirectional GRU/LSTM over variable-length token sequences. The sandbox only
ever returns feature tensors; everything that decides the verdict happens here:

- ``features``: every returned tensor is validated as hostile data (a float array, two dimensions,
  one row per sequence, an even width of at most ``MAX_WIDTH``, finite, no value past ``MAX_ABS``);
- ``frozen``: the same sequences encoded twice give the same features (dropout off, one network);
- ``padding-invariance``: the same sequences padded with ``EXTRA_PAD`` more columns give
  ``allclose`` features (packing or correct masking; an RNN that reads the padding fails);
- ``probe``: this process fits its own logistic regression (``PROBE_STEPS`` full-batch Adam steps
  on standardised train features) and measures its accuracy on the test features; the labels are
  recomputed here from the seeds and never leave this process. The cue sits among the first or the
  last tokens, so one direction sees only half of the positives; the probe's accuracy on each
  group says which end the features miss;
- ``bidirectional-final-states`` (sandbox-observed): a bidirectional ``nn.RNNBase`` ran during
  ``encode`` and the features are its ``h_n[-2]`` and ``h_n[-1]``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np

from challenges.content.birnn_text_features.inside import END, MIDDLE, START, labels_of, make_set
from challenges.kinds.base import Call, CallResult
from challenges.verdict import OBSERVED, Check

FUNCTION = "encode"
N_TRAIN = 1000
N_TEST = 1000
CHECK_ROWS = 256  # test sequences encoded again: as they were, and with EXTRA_PAD more columns
STRUCTURE_ROWS = 64
EXTRA_PAD = 7
RTOL, ATOL = 1e-5, 1e-5
PASS_ACCURACY = 0.90
PROBE_STEPS = 200
PROBE_LR = 0.05
MAX_WIDTH = 1024  # features per sequence (2H)
MAX_ABS = 1e4  # a GRU's or LSTM's hidden states lie in [-1, 1]; past this the encoder diverged
GROUP_WEAK = 0.75  # a group of test sequences the probe gets right less often than this is "missed"
FEATURE_CALLS = ("train", "test", "repeat", "padded")
NEEDS_FEATURES = "fix what the features check reports first: this check compares and fits valid features only"

ADVICE = ("embed the tokens, pack them with nn.utils.rnn.pack_padded_sequence(embedded, lengths, batch_first=True, "
          "enforce_sorted=False), run an nn.GRU(..., batch_first=True, bidirectional=True) built once at import "
          "(under torch.manual_seed), and return torch.cat([h_n[-2], h_n[-1]], dim=1) under torch.no_grad() with "
          "the modules in eval mode")
PACK_ADVICE = ("pack the batch: nn.utils.rnn.pack_padded_sequence(embedded, lengths, batch_first=True, "
               "enforce_sorted=False) makes the GRU stop at each sequence's length in both directions, and h_n then "
               "holds each sequence's own final states; output[:, -1] of a padded batch has read the padding")
FROZEN_ADVICE = ("build the network once (at import, under torch.manual_seed) and call .eval() on it: a module "
                 "starts in training mode, where dropout (nn.Dropout, or the dropout= of a multi-layer GRU/LSTM) "
                 "draws a new mask on every call; a network built inside encode gets new random weights each time")
SORTED_ADVICE = ("the grader's lengths are not sorted: pass enforce_sorted=False to pack_padded_sequence (it sorts "
                 "and unsorts for you, and h_n comes back in the batch's own order)")
STRUCTURE_ADVICE = ("use nn.GRU or nn.LSTM with bidirectional=True and return torch.cat([h_n[-2], h_n[-1]], dim=1): "
                    "for the last layer, h_n[-2] is the forward direction's final state and h_n[-1] the backward "
                    "one's (for an LSTM, h_n is the first element of the (h_n, c_n) pair)")


def calls(rng: random.Random) -> list[Call]:
    """Train and test sets from two fresh seeds, two re-encodings of the test set's first rows
    (same padding; EXTRA_PAD more columns), and one watched call for the structure."""
    train_seed = rng.randrange(2**31)
    test_seed = rng.randrange(2**31)
    while test_seed == train_seed:
        test_seed = rng.randrange(2**31)
    return [
        Call("train", FUNCTION, (train_seed, N_TRAIN, N_TRAIN, 0), scenario="features"),
        Call("test", FUNCTION, (test_seed, N_TEST, N_TEST, 0), scenario="features"),
        Call("repeat", FUNCTION, (test_seed, N_TEST, CHECK_ROWS, 0), scenario="features"),
        Call("padded", FUNCTION, (test_seed, N_TEST, CHECK_ROWS, EXTRA_PAD), scenario="features"),
        Call("structure", FUNCTION, (test_seed, N_TEST, STRUCTURE_ROWS), scenario="structure"),
    ]


def _show(text: str, limit: int = 160) -> str:
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text[:limit])
    return f"`{clean}{'…' if len(text) > limit else ''}`"


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape[:8]) + (", …" if len(shape) > 8 else "") + ")"


def error_advice(error: str) -> str:
    """The next step for an ``encode`` that raised, from the error's text."""
    if "enforce_sorted" in error or "sorted in decreasing order" in error:
        return SORTED_ADVICE
    if "index out of range" in error.lower():
        return "token ids run from 0 (padding) to 15: nn.Embedding(16, dim, padding_idx=0) covers them"
    return ADVICE


def read_features(call: Call, result: CallResult | None) -> tuple[np.ndarray | None, str]:
    """One call's features as float64, or None and why not (the value is hostile)."""
    rows = int(call.args[2])
    where = f"encode on {rows} sequences"
    if result is None:
        return None, f"{where}: no result came back"
    if result.error is not None:
        return None, f"{where} raised {_show(str(result.error))}"
    value = result.value
    if not isinstance(value, np.ndarray):
        return None, f"{where} returned a {type(value).__name__[:30]}, not a tensor"
    if value.ndim != 2 or value.size > rows * MAX_WIDTH:
        return None, f"{where} returned shape {_shape(value.shape)}, expected ({rows}, 2H): one row of features per sequence"
    if value.dtype.kind != "f":
        return None, (f"{where} returned {value.dtype.name[:12]} values; features are floating point (the hidden "
                      "states, not token ids, lengths or a predicted class)")
    if value.shape[0] != rows:
        return None, f"{where} returned {value.shape[0]} rows, expected {rows}: one row per sequence (batch_first)"
    width = value.shape[1]
    if width < 2 or width % 2:
        return None, f"{where} returned width {width}, expected 2H: a forward and a backward state of H each"
    with np.errstate(all="ignore"):
        got = value.astype(np.float64)
        if not np.isfinite(got).all():
            bad = int((~np.isfinite(got)).any(axis=1).sum())
            return None, f"{where}: {bad} row(s) hold NaN or infinity"
        peak = float(np.abs(got).max())
    if peak > MAX_ABS:
        return None, (f"{where}: values reach {peak:.3g}, past {MAX_ABS:g}; a GRU's or LSTM's hidden states lie in "
                      "[-1, 1], so these are not its final states (or the encoder diverged)")
    return got, ""


def _judge_features(calls: Mapping[str, Call], results: Mapping[str, CallResult]) -> tuple[dict[str, np.ndarray], Check]:
    arrays: dict[str, np.ndarray] = {}
    problems: list[str] = []
    advice = ADVICE
    for cid in FEATURE_CALLS:
        call = calls.get(cid)
        if call is None:
            continue
        array, why = read_features(call, results.get(cid))
        if array is None:
            problems.append(why)
            error = results.get(cid)
            if error is not None and error.error is not None:
                advice = error_advice(str(error.error))
        else:
            arrays[cid] = array
    widths = sorted({a.shape[1] for a in arrays.values()})
    if not problems and len(widths) > 1:
        problems.append(f"the calls returned different widths ({', '.join(str(w) for w in widths[:4])}); one encoder "
                        "gives every sequence the same 2H features")
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return arrays, Check("features", False, problems[0] + more, None, "(N, 2H) finite floats", advice=advice)
    width = widths[0]
    return arrays, Check("features", True, f"every call returned finite float features of shape (N, {width})",
                         float(width), "(N, 2H) finite floats")


def _compare(got: np.ndarray, want: np.ndarray) -> tuple[bool, float, int]:
    """allclose, the largest difference and the number of rows that differ."""
    diff = np.abs(got - want)
    differs = ~np.isclose(got, want, rtol=RTOL, atol=ATOL)
    return not bool(differs.any()), float(diff.max()), int(differs.any(axis=1).sum())


def _judge_frozen(arrays: Mapping[str, np.ndarray]) -> Check:
    test, repeat = arrays.get("test"), arrays.get("repeat")
    if test is None or repeat is None or test.shape[1] != repeat.shape[1]:
        return Check("frozen", False, "no features to compare: see the features check", None, ATOL,
                     advice=NEEDS_FEATURES)
    same, error, rows = _compare(repeat, test[: repeat.shape[0]])
    if not same:
        return Check("frozen", False, f"the same {repeat.shape[0]} sequences, encoded twice with the same padding, "
                     f"gave different features in {rows} row(s) (up to {error:.3g}): encode is not a fixed function",
                     error, ATOL, advice=FROZEN_ADVICE)
    return Check("frozen", True, f"encoding the same sequences again gives the same features (max difference "
                 f"{error:.1e})", error, ATOL)


def _judge_padding(arrays: Mapping[str, np.ndarray], frozen: Check) -> Check:
    test, padded = arrays.get("test"), arrays.get("padded")
    if test is None or padded is None or test.shape[1] != padded.shape[1]:
        return Check("padding-invariance", False, "no features to compare: see the features check", None, ATOL,
                     advice=NEEDS_FEATURES)
    same, error, rows = _compare(padded, test[: padded.shape[0]])
    if not same:
        also = " (encode is not even repeatable: see frozen)" if not frozen.passed else ""
        return Check("padding-invariance", False, f"with {EXTRA_PAD} more padding columns, {rows} of "
                     f"{padded.shape[0]} sequences got different features (up to {error:.3g}): the RNN reads the "
                     f"padding{also}", error, ATOL, advice=PACK_ADVICE if frozen.passed else FROZEN_ADVICE)
    return Check("padding-invariance", True, f"{EXTRA_PAD} more padding columns change nothing (max difference "
                 f"{error:.1e}, allclose rtol {RTOL:g} atol {ATOL:g})", error, ATOL)


def fit_probe(train: np.ndarray, labels: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Our logistic regression: features standardised with the train set's mean and std (a
    constant column stays 0), zero init, PROBE_STEPS full-batch Adam steps; 0/1 test predictions."""
    import torch

    x_train = torch.from_numpy(train)
    mean, std = x_train.mean(0), x_train.std(0)
    std = torch.where(std > 1e-8, std, torch.ones_like(std))
    x_train = (x_train - mean) / std
    x_test = (torch.from_numpy(test) - mean) / std
    y = torch.from_numpy(labels.astype(np.float64))
    weight = torch.zeros(x_train.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.Adam([weight, bias], lr=PROBE_LR)
    for _ in range(PROBE_STEPS):
        optimiser.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(x_train @ weight + bias, y)
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        return (x_test @ weight + bias > 0).long().numpy()


def probe_advice(group_accuracy: Mapping[int, float]) -> str:
    """Which end of the sequences the features miss, from the probe's accuracy on each group."""
    start, end = group_accuracy[START] < GROUP_WEAK, group_accuracy[END] < GROUP_WEAK
    if start and not end:
        return ("the features see the END of each sequence but not its start: that is what a forward-only RNN's final "
                "state remembers. Set bidirectional=True and include the backward direction's final state (h_n[-1]), "
                "which has just read the first tokens")
    if end and not start:
        return ("the features see the START of each sequence but not its end: the forward state is probably read "
                "after the padding. " + PACK_ADVICE)
    if start and end:
        return ("the features miss both ends: a mean or a bag of token embeddings keeps which tokens occur, not "
                "where; the final states of an RNN run in each direction remember the last tokens each has read")
    return ADVICE


def _judge_probe(calls: Mapping[str, Call], arrays: Mapping[str, np.ndarray]) -> Check:
    threshold = f">= {PASS_ACCURACY:.2f}"
    train, test = arrays.get("train"), arrays.get("test")
    train_call, test_call = calls.get("train"), calls.get("test")
    if train is None or test is None or train_call is None or test_call is None or train.shape[1] != test.shape[1]:
        return Check("probe", False, "no features to fit a probe on: see the features check", None, threshold,
                     advice=NEEDS_FEATURES)
    _, _, train_where = make_set(int(train_call.args[0]), int(train_call.args[1]))
    _, _, test_where = make_set(int(test_call.args[0]), int(test_call.args[1]))
    test_labels = labels_of(test_where)
    with np.errstate(all="ignore"):
        predictions = fit_probe(train, labels_of(train_where), test)
    right = predictions == test_labels
    accuracy = float(right.mean())
    groups = {g: float(right[test_where == g].mean()) if (test_where == g).any() else 1.0 for g in (START, MIDDLE, END)}
    detail = (f"cue among the first tokens {groups[START]:.2f}, in the middle {groups[MIDDLE]:.2f}, among the last "
              f"{groups[END]:.2f}")
    if accuracy < PASS_ACCURACY:
        return Check("probe", False, f"our logistic-regression probe on your features scores {accuracy:.3f} on "
                     f"{len(right)} hidden test sequences, below {PASS_ACCURACY:.2f} ({detail})", round(accuracy, 4),
                     threshold, advice=probe_advice(groups))
    return Check("probe", True, f"our logistic-regression probe on your features scores {accuracy:.3f} on "
                 f"{len(right)} hidden test sequences ({detail})", round(accuracy, 4), threshold)


def _judge_structure(result: CallResult | None) -> Check:
    name, target = "bidirectional-final-states", "h_n[-2] ‖ h_n[-1]"
    if result is None or result.error is not None or not isinstance(result.value, dict):
        why = ("no result came back" if result is None else f"encode raised {_show(str(result.error))}"
               if result.error is not None else "the observation did not come back")
        return Check(name, False, why, None, target, OBSERVED, advice=STRUCTURE_ADVICE)
    facts: Mapping[str, Any] = result.value
    raw = facts.get("rnns")
    rnns = [r for r in raw[:8] if isinstance(r, dict)] if isinstance(raw, list) else []
    kinds = ", ".join(f"{str(r.get('type', '?'))[:20]}(layers={r.get('layers')!s:.4}, bidirectional="
                      f"{r.get('bidirectional')!s:.5})" for r in rnns[:3])
    if not rnns:
        return Check(name, False, "no nn.GRU, nn.LSTM or nn.RNN ran during encode: the features must be a "
                     "recurrent network's final states", None, target, OBSERVED, advice=STRUCTURE_ADVICE)
    if not any(r.get("bidirectional") is True for r in rnns):
        layered = any(isinstance(r.get("layers"), int) and r["layers"] >= 2 for r in rnns)
        why = (": with num_layers >= 2 and one direction, h_n[-2] and h_n[-1] are the final states of the last two "
               "LAYERS, both read left to right" if layered else ": it reads left to right only")
        return Check(name, False, f"only unidirectional recurrent modules ran ({kinds}){why}", None, target, OBSERVED,
                     advice=STRUCTURE_ADVICE)
    if facts.get("matches") is not True:
        diff = facts.get("max_diff")
        off = f" (closest: off by {diff:.3g})" if isinstance(diff, float) else ""
        return Check(name, False, f"a bidirectional {kinds} ran, but the features are not its last layer's final "
                     f"forward and backward states{off}: output[:, -1] or a pooled output is not h_n", None, target,
                     OBSERVED, advice=STRUCTURE_ADVICE)
    return Check(name, True, f"the features are the last layer's final forward and backward states of {kinds}",
                 None, target, OBSERVED)


def judge(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    """features, frozen, padding-invariance and probe (trusted), then the observed structure."""
    by_id = {c.id: c for c in calls}
    arrays, features = _judge_features(by_id, results)
    frozen = _judge_frozen(arrays)
    checks = [features, frozen, _judge_padding(arrays, frozen), _judge_probe(by_id, arrays)]
    if "structure" in by_id:
        checks.append(_judge_structure(results.get("structure")))
    return checks
