"""C2.4 ``inference-mode-speedups``: the trusted half of a ``functions`` challenge.

The learner writes ``predict(model, x)`` for a small network that arrives in training mode
(Linear, BatchNorm1d, ReLU, Dropout, Linear). The scenario in ``inside.py`` hooks the model and
records, for each forward pass during the call, grad mode, inference mode and ``model.training``;
those facts are sandbox-observed. The predictions themselves are checked here, in the trusted
process: the same network and input are rebuilt from the seed and run in eval mode without
autograd, and the learner's values must match, which a model left in training mode (Dropout,
batch statistics) cannot do. Every value that comes back is hostile: type-checked and bounded.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np

from challenges.content.inference_mode_speedups.inside import OUT, make_input, make_model
from challenges.kinds.base import Call, CallResult
from challenges.verdict import OBSERVED, Check

FUNCTION = "predict"
ATOL = 1e-5
MAX_FORWARDS = 64

EVAL_ADVICE = ("Call model.eval() before the forward pass: it switches Dropout off and makes BatchNorm use its running "
               "statistics instead of the batch's. eval() is not no_grad: you need both")
GRAD_ADVICE = ("Run the forward pass inside `with torch.inference_mode():` (or torch.no_grad()), or decorate predict "
               "with @torch.inference_mode(): autograd then records no graph, which saves memory and time, and the "
               "output has requires_grad=False. .detach() afterwards is too late: the graph was already built")


def calls(rng: random.Random) -> list[Call]:
    """Three batch sizes, one of them 1 (BatchNorm in training mode cannot normalise one sample)."""
    sizes = {"one-sample": 1, "small-batch": rng.randint(3, 9), "large-batch": rng.randint(24, 48)}
    return [Call(id=name, function=FUNCTION, args=(rng.randrange(2**31), batch), scenario="observe_predict")
            for name, batch in sizes.items()]


def expected(seed: int, batch: int) -> np.ndarray:
    """The predictions the model makes in eval mode, computed here."""
    import torch

    model = make_model(seed).eval()
    with torch.inference_mode():
        return model(make_input(seed, batch)).numpy()


def _show(text: str, limit: int = 160) -> str:
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text[:limit])
    return f"`{clean}{'…' if len(text) > limit else ''}`"


def _forwards(facts: Mapping[str, Any]) -> list[dict[str, bool]]:
    raw = facts.get("forwards")
    rows = raw[:MAX_FORWARDS] if isinstance(raw, list) else []
    keys = ("grad", "inference", "training", "dropout_training")
    return [{k: row.get(k) is True for k in keys} for row in rows if isinstance(row, dict)]


def _judge_one(call: Call, result: CallResult | None, warned: dict[str, list[str]]) -> list[Check]:
    seed, batch = int(call.args[0]), int(call.args[1])
    where = f"x of shape ({batch}, 8)"
    names = ("output", "no-grad", "eval-mode", "requires-grad")
    if result is None or result.error is not None or not isinstance(result.value, dict):
        why = ("no result came back" if result is None else f"predict raised {_show(str(result.error))}"
               if result.error is not None else "the call's facts did not come back")
        if result is not None and result.error and "Expected more than 1 value per channel" in result.error:
            why += ": BatchNorm in training mode needs a batch to compute statistics; model.eval() uses its running ones"
        return [Check(f"{call.id}:{n}", False, f"{where}: {why}", None, None,
                      advice=EVAL_ADVICE if n != "no-grad" else GRAD_ADVICE) for n in names]
    facts: Mapping[str, Any] = result.value
    forwards = _forwards(facts)
    checks: list[Check] = []
    want = expected(seed, batch)
    values = facts.get("values")
    if not isinstance(values, np.ndarray):
        kind = str(facts.get("type", "?"))[:40]
        checks.append(Check(f"{call.id}:output", False, f"{where}: predict returned {_show(kind, 40)}, not the model's "
                            "output tensor", None, f"({batch}, {OUT})", advice="Return the tensor the model produces"))
    elif values.shape != want.shape or values.dtype.kind != "f":
        shape = "(" + ", ".join(str(s) for s in values.shape[:6]) + ")"
        checks.append(Check(f"{call.id}:output", False, f"{where}: returned {values.dtype.name[:12]} {shape}; the "
                            f"model's output is float32 ({batch}, {OUT})", shape, f"({batch}, {OUT})",
                            advice="Return model(x) itself: no argmax, softmax or reshaping"))
    else:
        with np.errstate(all="ignore"):
            error = float(np.max(np.abs(values.astype(np.float64) - want))) if values.size else 0.0
        ok = error <= ATOL
        checks.append(Check(f"{call.id}:output", ok, f"{where}: predictions " + (
            f"match the model's eval-mode output (max error {error:.1e})" if ok else
            f"differ from the model's eval-mode output by up to {error:.3g}: in training mode Dropout zeroes half "
            "the activations at random and BatchNorm normalises with the batch's own statistics"),
            error, ATOL, advice=EVAL_ADVICE))
    if not forwards:
        message = f"{where}: the model's forward never ran during predict(model, x)"
        checks += [Check(f"{call.id}:{n}", False, message, None, None, OBSERVED, advice="Call model(x) inside predict")
                   for n in ("no-grad", "eval-mode")]
    else:
        graded = [f for f in forwards if f["grad"]]
        checks.append(Check(f"{call.id}:no-grad", not graded, f"{where}: " + (
            "every forward pass ran without autograd" + (" (inference mode)" if all(f["inference"] for f in forwards)
                                                        else " (no_grad)")
            if not graded else f"{len(graded)} of {len(forwards)} forward passes ran with grad mode on, so autograd "
            "recorded a graph nobody will use"), len(graded), 0, OBSERVED, advice=GRAD_ADVICE))
        training = [f for f in forwards if f["training"] or f["dropout_training"]]
        checks.append(Check(f"{call.id}:eval-mode", not training, f"{where}: " + (
            "model.training was False during every forward pass" if not training else
            f"model.training was True during {len(training)} of {len(forwards)} forward passes"),
            len(training), 0, OBSERVED, advice=EVAL_ADVICE))
        if not graded and not all(f["inference"] for f in forwards):
            warned.setdefault("prefer-inference-mode", []).append(call.id)
    requires = facts.get("requires_grad")
    if isinstance(values, np.ndarray):
        checks.append(Check(f"{call.id}:requires-grad", requires is False, f"{where}: the output has requires_grad="
                            f"{requires is True}", str(requires is True), "False", OBSERVED, advice=GRAD_ADVICE))
    if facts.get("grad_before") is True and facts.get("grad_after") is not True:
        warned.setdefault("grad-left-off", []).append(call.id)
    return checks


_WARNINGS = {
    "prefer-inference-mode": ("torch.no_grad() is right; torch.inference_mode() goes further (no version counters or "
                              "view tracking) and is the recommended context for pure inference"),
    "grad-left-off": ("predict returned with grad mode switched off for the whole program (torch.set_grad_enabled(False) "
                      "that is never undone): the next training step would silently compute no gradients. Use a "
                      "`with` block or a decorator, which restore the mode"),
}


def judge(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    """Per call: output (trusted), no-grad, eval-mode and requires-grad (sandbox-observed); then warnings."""
    warned: dict[str, list[str]] = {}
    checks: list[Check] = []
    for call in calls:
        checks += _judge_one(call, results.get(call.id), warned)
    for name, ids in warned.items():
        checks.append(Check(name, False, f"{_WARNINGS[name]} (seen in {', '.join(ids[:3])})", float(len(ids)),
                            warning=True, evidence=OBSERVED))
    return checks
