"""C3.2 ``param-groups-and-freezing``: the trusted half of a ``functions`` challenge.

The learner writes ``make_optimizer(model)`` for a torchvision resnet18: ``layer4`` and ``fc``
train and the rest is frozen, the head (``fc``) learns 10x faster than the body (``layer4``), and
BatchNorm weights and biases get no weight decay. The ``one_step`` scenario of ``inside.py``
builds the resnet18 in the sandbox, calls ``make_optimizer``, reads its ``param_groups`` and takes
one step on random data. Here we judge: the groups and flags (sandbox-observed, bounded and
checked against resnet18's own parameter names, which we know without building one), and what
changed in the step, computed here from raw samples of every parameter (trusted).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

import numpy as np

from challenges.kinds.base import Call, CallResult
from challenges.verdict import OBSERVED, Check

SCENARIO = "one_step"
FUNCTION = "make_optimizer"
REL_TOL = 1e-6


def resnet18_parameters() -> list[str]:
    """``torchvision.models.resnet18().named_parameters()`` names, in order."""
    names = ["conv1.weight", "bn1.weight", "bn1.bias"]
    for layer in range(1, 5):
        for block in range(2):
            p = f"layer{layer}.{block}."
            names += [p + "conv1.weight", p + "bn1.weight", p + "bn1.bias", p + "conv2.weight", p + "bn2.weight",
                      p + "bn2.bias"]
            if block == 0 and layer > 1:
                names += [p + "downsample.0.weight", p + "downsample.1.weight", p + "downsample.1.bias"]
    return [*names, "fc.weight", "fc.bias"]


NAMES = resnet18_parameters()
ALLOWED = [n for n in NAMES if n.startswith(("layer4.", "fc."))]
NO_DECAY = [n for n in ALLOWED if n.endswith(".bias") or ".bn" in n or "downsample.1." in n]  # BN weights, all biases
DECAY = [n for n in ALLOWED if n not in NO_DECAY]  # conv and linear weights

ADVICE_OPTIMIZER = "Return the optimizer itself, e.g. torch.optim.SGD([...groups...], lr=..., momentum=0.9), built on the model you are given."
ADVICE_FREEZE = ("Freeze with `for name, p in model.named_parameters(): p.requires_grad = name.startswith(('layer4.', "
                 "'fc.'))`; `module.requires_grad = False` on a Module sets an attribute and freezes nothing.")
ADVICE_GROUPS = ("Pass parameter groups, each a dict: [{'params': body, 'lr': lr}, {'params': head, 'lr': 10 * lr}], "
                 "where body are layer4's trainable parameters and head are fc's; a group without 'lr' takes the optimizer's.")
ADVICE_DECAY = ("Split each of body and head by p.ndim: matrices and conv kernels (ndim > 1) decay, while BatchNorm "
                "weights and biases and every bias (ndim == 1) go in groups with 'weight_decay': 0.0. Names miss "
                "some: layer4.0.downsample.1 is a BatchNorm too.")


def _show(text: str, limit: int = 60) -> str:
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text[:limit])
    return f"`{clean}{'…' if len(text) > limit else ''}`"


def _list(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(_show(n, 50) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def calls(rng: random.Random) -> list[Call]:
    """One call: the step's random data and init come from the drawn seed."""
    return [Call(id="resnet18", function=FUNCTION, scenario=SCENARIO, args=(rng.randrange(1 << 31),))]


def _groups(raw: Any) -> list[tuple[float | None, float | None, list[str]]] | None:
    """(lr, weight_decay, names) per group, or None when any field is not what the scenario sends."""
    if not isinstance(raw, list) or len(raw) > 64:
        return None
    out = []
    for group in raw:
        if not isinstance(group, dict):
            return None
        lr, wd, names = group.get("lr"), group.get("weight_decay"), group.get("names")
        if not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in (lr, wd)):
            return None
        if not isinstance(names, list) or len(names) > 400 or not all(isinstance(n, str) for n in names):
            return None
        out.append((None if lr is None else float(lr), None if wd is None else float(wd), [n[:200] for n in names]))
    return out


def _flags(raw: Any) -> dict[str, bool] | None:
    if not isinstance(raw, list) or len(raw) != len(NAMES):
        return None
    flags = {}
    for item, want in zip(raw, NAMES, strict=True):
        if not (isinstance(item, list) and len(item) == 2 and item[0] == want and isinstance(item[1], bool)):
            return None
        flags[want] = item[1]
    return flags


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.0)


def _judge(value: Any) -> list[Check]:
    if not isinstance(value, dict):
        return [Check("optimizer", False, "the grader could not read the optimizer's description", advice=ADVICE_OPTIMIZER)]
    groups, flags = _groups(value.get("groups")), _flags(value.get("flags"))
    if groups is None or flags is None:
        return [Check("optimizer", False, "the grader could not read the optimizer's param groups or the model's "
                      "parameters (was the model replaced?)", advice=ADVICE_OPTIMIZER)]
    kind = str(value.get("type", "?"))
    checks = [Check("optimizer", True, f"{_show(kind, 40)} with {len(groups)} param group(s)", evidence=OBSERVED)]
    where: dict[str, list[int]] = {}
    foreign = 0
    for i, (_, _, names) in enumerate(groups):
        for n in names:
            if n in flags:
                where.setdefault(n, []).append(i)
            else:
                foreign += 1

    # frozen: everything outside layer4 and fc
    trainable_body = [n for n in NAMES if n not in ALLOWED and flags[n]]
    checks.append(Check("frozen", not trainable_body,
                        f"{len(trainable_body)} parameters outside layer4/fc still have requires_grad=True "
                        f"({_list(trainable_body)})" if trainable_body else
                        f"the {len(NAMES) - len(ALLOWED)} parameters outside layer4 and fc are frozen",
                        float(len(trainable_body)), 0.0, evidence=OBSERVED, advice=ADVICE_FREEZE))

    # trainable: every layer4/fc parameter requires grad and sits in a group with lr > 0
    def lr_of(n: str) -> float | None:
        return groups[where[n][0]][0] if n in where else None

    frozen_allowed = [n for n in ALLOWED if not flags[n]]
    absent = [n for n in ALLOWED if n not in where]
    zero_lr = [n for n in ALLOWED if n in where and not ((lr_of(n) or 0.0) > 0)]
    problems = []
    if frozen_allowed:
        problems.append(f"{len(frozen_allowed)} layer4/fc parameters have requires_grad=False ({_list(frozen_allowed)})")
    if absent:
        problems.append(f"{len(absent)} layer4/fc parameters are in no param group ({_list(absent)})")
    if zero_lr:
        problems.append(f"{len(zero_lr)} layer4/fc parameters have lr 0 or none ({_list(zero_lr)})")
    if foreign:
        problems.append(f"the optimizer holds {foreign} parameters that are not the given model's: build it from "
                        "model.named_parameters()")
    checks.append(Check("trainable", not problems, "; ".join(problems) if problems else
                        f"all {len(ALLOWED)} layer4/fc parameters train, each in one group", float(len(problems)), 0.0,
                        evidence=OBSERVED, advice=ADVICE_GROUPS))

    # head lr = 10x body lr
    body_lrs = sorted({lr for n in ALLOWED if n.startswith("layer4.") and (lr := lr_of(n)) is not None})
    head_lrs = sorted({lr for n in ALLOWED if n.startswith("fc.") and (lr := lr_of(n)) is not None})
    if len(body_lrs) != 1 or len(head_lrs) != 1:
        ok, message, ratio = False, (f"layer4 has lrs {body_lrs[:4] or 'none'} and fc has {head_lrs[:4] or 'none'}: "
                                     "give each part one lr, fc's 10x layer4's"), None
    else:
        ratio = head_lrs[0] / body_lrs[0] if body_lrs[0] > 0 else math.inf
        ok = _same(ratio, 10.0)
        message = (f"head lr {head_lrs[0]:.3g} = {ratio:.3g} x body lr {body_lrs[0]:.3g}"
                   + ("" if ok else ", expected 10x: the new head starts from random weights and needs the larger steps"))
    checks.append(Check("head-lr", ok, message, None if ratio is None or not math.isfinite(ratio) else ratio, 10.0,
                        evidence=OBSERVED, advice=ADVICE_GROUPS))

    # no weight decay on BN/bias
    decayed = [n for n in NO_DECAY if n in where and (groups[where[n][0]][1] or 0.0) != 0.0]
    checks.append(Check("no-decay-bn-bias", not decayed,
                        f"{len(decayed)} BatchNorm/bias parameters get weight decay ({_list(decayed)}): decay pulls "
                        "BN scales and shifts towards 0, which changes what the layer normalises to" if decayed else
                        f"none of the {len(NO_DECAY)} trainable BatchNorm/bias parameters is decayed",
                        float(len(decayed)), 0.0, evidence=OBSERVED, advice=ADVICE_DECAY))
    undecayed = [n for n in DECAY if n in where and (groups[where[n][0]][1] or 0.0) == 0.0]
    if undecayed and len(undecayed) == len([n for n in DECAY if n in where]):
        checks.append(Check("decay-on-weights", False, "weight_decay is 0 for every conv and linear weight too, so "
                            "excluding BN/bias changes nothing: give those weights a decay such as 1e-4", warning=True,
                            evidence=OBSERVED))
    checks.append(_one_step(value))
    return checks


def _samples(value: Mapping[str, Any], key: str) -> np.ndarray | None:
    raw = value.get(key)
    if not isinstance(raw, np.ndarray) or raw.ndim != 2 or raw.shape[0] != len(NAMES) or raw.shape[1] > 64:
        return None
    if raw.dtype.kind != "f":
        return None
    return raw.astype(np.float64)


def _one_step(value: Mapping[str, Any]) -> Check:
    """Trusted: which parameters changed, from the raw samples taken before and after the step."""
    step_error = value.get("step_error")
    if isinstance(step_error, str):
        return Check("one-step", False, f"no step was taken: {_show(step_error, 120)}", advice=ADVICE_FREEZE)
    before, after = _samples(value, "before"), _samples(value, "after")
    if before is None or after is None or before.shape != after.shape:
        return Check("one-step", False, "the grader could not read the parameters before and after the step",
                     advice=ADVICE_OPTIMIZER)
    with np.errstate(all="ignore"):
        moved = ~np.all(before == after, axis=1)
    changed = {n for n, m in zip(NAMES, moved.tolist(), strict=True) if m}
    wrong = [n for n in NAMES if n in changed and n not in ALLOWED]
    layer4 = [n for n in changed if n.startswith("layer4.")]
    fc = [n for n in changed if n.startswith("fc.")]
    if wrong:
        return Check("one-step", False, f"one step changed {len(wrong)} parameters outside layer4/fc ({_list(wrong)}): "
                     "they are not frozen", float(len(wrong)), 0.0, advice=ADVICE_FREEZE)
    if not layer4 or not fc:
        missing = " and ".join(p for p, c in (("layer4", layer4), ("fc", fc)) if not c)
        return Check("one-step", False, f"one step changed no parameter of {missing}: it must train",
                     float(len(changed)), float(len(ALLOWED)), advice=ADVICE_GROUPS)
    return Check("one-step", True, f"one step changed {len(changed)} of the {len(ALLOWED)} layer4/fc parameters "
                 "and nothing else", float(len(changed)), float(len(ALLOWED)))


def judge(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    """``optimizer``, ``frozen``, ``trainable``, ``head-lr``, ``no-decay-bn-bias`` (observed),
    ``one-step`` (trusted) and the ``decay-on-weights`` warning."""
    result = results.get(calls[0].id) if calls else None
    if not isinstance(result, CallResult):
        return [Check("optimizer", False, "no result came back", advice=ADVICE_OPTIMIZER)]
    if result.error is not None:
        return [Check("optimizer", False, f"make_optimizer(model) or the step raised {_show(str(result.error), 200)}",
                      advice=ADVICE_OPTIMIZER)]
    return _judge(result.value)
