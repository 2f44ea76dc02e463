"""Trusted side of a ``trained`` challenge whose model starts from a shipped pretrained network.

A challenge declares it in TOML (``[build] pretrained = "tiny"``, ``function = "adapt"``, and
optionally ``[train] optimizer = "make_optimizer"``). This module holds what the trained kind
needs for it and nothing else, so the kind's own file changes by a few lines: the arrays sent to
the sandbox with the training data, the shipped state the checks compare against (loaded
``weights_only``), and the reading of what the sandbox reports about the adapted model (bounded
and typed; all of it sandbox-observed and forgeable, so the checks built on it can only fail).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from challenges.pretrained import pretrained_state

PretrainedName = Literal["tiny"]
PRETRAINED_PREFIX = "_pretrained:"  # must match challenges.kinds.pretrained_inside
MAX_GROUPS = 32
MAX_NAMES = 5000
MAX_NAME_CHARS = 1000
MAX_STEPS = 10**12


def shipped_state(name: PretrainedName) -> dict[str, np.ndarray]:
    """The shipped network's state_dict as arrays (fresh copies)."""
    if name != "tiny":
        raise ValueError(f"unknown pretrained network {name!r}")
    return pretrained_state()


def opening_arrays(name: PretrainedName) -> dict[str, np.ndarray]:
    """The shipped weights as they travel with the training data (the sandbox reads no file of ours)."""
    return {PRETRAINED_PREFIX + k: v for k, v in shipped_state(name).items()}


def _names(value: Any) -> list[str] | None:
    if not isinstance(value, list) or len(value) > MAX_NAMES:
        return None
    if not all(isinstance(n, str) and len(n) <= MAX_NAME_CHARS for n in value):
        return None
    return value


def _group(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    lr, params = value.get("lr"), _names(value.get("params"))
    if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not math.isfinite(lr) or params is None:
        return None
    return {"lr": float(lr), "params": params}


def readable_adapted_facts(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``trainable_names``, ``optimizer_groups`` and ``optimizer_steps`` when the sandbox sent
    them in the expected shape; anything else is absent (and the checks reading it fail)."""
    out: dict[str, Any] = {}
    trainable = _names(payload.get("trainable_names"))
    if trainable is not None:
        out["trainable_names"] = trainable
    groups = payload.get("optimizer_groups")
    if isinstance(groups, list) and len(groups) <= MAX_GROUPS:
        read = [_group(g) for g in groups]
        if all(g is not None for g in read):
            out["optimizer_groups"] = read
    steps = payload.get("optimizer_steps")
    if type(steps) is int and 0 <= steps <= MAX_STEPS:
        out["optimizer_steps"] = steps
    return out
