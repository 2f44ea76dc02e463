"""Sandbox side of C6.3 ``birnn-text-features``: make padded batches and call ``encode`` on them.

``make_batch`` builds the same variable-length token sequences on both sides from a seed: 16
tokens (0 is padding), lengths 16-32, one cue token per sequence. The label (trusted side only)
is 1 when the cue sits among the first or last ``EDGE`` tokens and 0 when it sits at least
``GAP`` tokens from both ends, so the count of each token says nothing and only where the cue sits
does: a mean of embeddings is at chance, and one direction of an RNN sees only one end.

``features`` hands the learner one batch (the first ``rows`` sequences of a generated set, padded
to the set's longest length plus ``extra_pad`` columns) and returns what ``encode`` returned, as
it came. ``structure`` watches every ``nn.RNNBase`` forward pass during one ``encode`` call with a
global forward hook and reports, as sandbox-observed facts, which recurrent modules ran and whether
the returned features are the last layer's final forward and backward states. Imports only torch
and numpy.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import torch
from torch import nn

VOCAB = 16  # token ids 0..15; 0 is padding, never a token
PAD = 0
CUE = 1
MIN_LEN, MAX_LEN = 16, 32
EDGE = 3  # a positive's cue is among the first or the last EDGE tokens
GAP = 6  # a negative's cue is at least GAP tokens from both ends
MAX_RNN_CALLS = 64  # recurrent forward passes one structure call records
MAX_NAMES = 8
MATCH_ATOL = 1e-5

# where a sequence's cue sits: the start (positive), the middle (negative) or the end (positive)
START, MIDDLE, END = 0, 1, 2


def make_set(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` sequences from ``seed``: tokens (n, longest) padded with 0, lengths (n,), and where each
    cue sits (START, MIDDLE or END; a quarter at each end, half in the middle)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(MIN_LEN, MAX_LEN + 1, n)
    tokens = np.full((n, int(lengths.max())), PAD, dtype=np.int64)
    where = np.empty(n, dtype=np.int64)
    for i, length in enumerate(lengths):
        tokens[i, :length] = rng.integers(CUE + 1, VOCAB, length)
        draw = rng.random()
        if draw < 0.25:
            position, where[i] = int(rng.integers(0, EDGE)), START
        elif draw < 0.5:
            position, where[i] = int(length - 1 - rng.integers(0, EDGE)), END
        else:
            position, where[i] = int(rng.integers(GAP, length - GAP)), MIDDLE
        tokens[i, position] = CUE
    return tokens, lengths, where


def labels_of(where: np.ndarray) -> np.ndarray:
    """1 where the cue sits at either end, 0 in the middle."""
    return (where != MIDDLE).astype(np.int64)


def make_batch(seed: int, n: int, rows: int, extra_pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``rows`` sequences of ``make_set(seed, n)`` as ``encode`` gets them: a LongTensor
    (rows, longest-of-the-set + extra_pad) and a LongTensor of lengths (rows,), both on the CPU."""
    tokens, lengths, _ = make_set(seed, n)
    tokens, lengths = tokens[:rows], lengths[:rows]
    if extra_pad:
        tokens = np.concatenate([tokens, np.full((rows, extra_pad), PAD, dtype=np.int64)], axis=1)
    return torch.from_numpy(np.ascontiguousarray(tokens)), torch.from_numpy(lengths.copy())


def _encode(learner: ModuleType, padded: torch.Tensor, lengths: torch.Tensor) -> Any:
    encode = getattr(learner, "encode", None)
    if not callable(encode):
        raise TypeError("your file must define encode(padded, lengths)")
    return encode(padded, lengths)


def features(learner: ModuleType, seed: int, n: int, rows: int, extra_pad: int) -> Any:
    """What ``encode`` returns for one batch, as it came (the kind turns a tensor into an array)."""
    padded, lengths = make_batch(seed, n, rows, extra_pad)
    return _encode(learner, padded, lengths)


def _final_states(output: Any) -> torch.Tensor | None:
    """h_n of an RNN/GRU forward (``(output, h_n)``) or of an LSTM (``(output, (h_n, c_n))``)."""
    if not isinstance(output, tuple) or len(output) != 2:
        return None
    hidden = output[1]
    if isinstance(hidden, tuple) and hidden:
        hidden = hidden[0]
    return hidden.detach() if isinstance(hidden, torch.Tensor) and hidden.dim() == 3 else None


def _matches(returned: torch.Tensor, parts: list[torch.Tensor]) -> tuple[bool, float | None]:
    """Whether ``returned`` is the recorded (forward, backward) final states, batches in call order
    (either order of the two directions), and the smallest max difference seen."""
    if not parts:
        return False, None
    states = torch.cat(parts, dim=1)  # (2, N, H): forward, backward
    best: float | None = None
    for first, second in ((0, 1), (1, 0)):
        candidate = torch.cat([states[first], states[second]], dim=1)
        if candidate.shape != returned.shape:
            continue
        diff = float((candidate.double() - returned.double()).abs().max())
        best = diff if best is None or diff < best else best
    return best is not None and best <= MATCH_ATOL, best


def structure(learner: ModuleType, seed: int, n: int, rows: int) -> dict[str, Any]:
    """Which recurrent modules ran during one ``encode`` call, and whether its result is the last
    layer's final forward and backward states of a bidirectional one (sandbox-observed)."""
    padded, lengths = make_batch(seed, n, rows, 0)
    seen: list[dict[str, Any]] = []
    parts: list[torch.Tensor] = []

    def hook(module: nn.Module, args: Any, output: Any) -> None:
        if not isinstance(module, nn.RNNBase) or len(seen) >= MAX_RNN_CALLS:
            return
        seen.append({"type": type(module).__name__[:40], "bidirectional": bool(module.bidirectional),
                     "layers": int(module.num_layers), "hidden": int(module.hidden_size)})
        hidden = _final_states(output)
        if module.bidirectional and hidden is not None and hidden.shape[0] >= 2:
            parts.append(hidden[-2:])  # the last layer's forward and backward final states

    handle = torch.nn.modules.module.register_module_forward_hook(hook)
    try:
        returned = _encode(learner, padded, lengths)
    finally:
        handle.remove()
    facts: dict[str, Any] = {"rnns": seen[:MAX_NAMES], "rnn_calls": len(seen), "bidirectional_calls": len(parts)}
    if isinstance(returned, torch.Tensor) and returned.dim() == 2 and returned.dtype.is_floating_point:
        try:
            same, diff = _matches(returned.detach(), parts)
        except RuntimeError:  # states of different widths or devices: not one encoder's output
            same, diff = False, None
        facts.update({"matches": same, "max_diff": diff})
    return facts
