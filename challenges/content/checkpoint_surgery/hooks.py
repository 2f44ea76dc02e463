"""C3.4 ``checkpoint-surgery``: the trusted half of a ``functions`` challenge.

The learner writes ``load_checkpoint(model, path) -> (missing, unexpected)``. Three calls:
a DataParallel checkpoint (``module.`` prefixes), a single-GPU one (no prefix), both with one
extra key and a 1000-way head where the model has ``num_classes``; and the same checkpoint with a
planted pickle payload. The expected weights are regenerated here from the seed (``inside.checkpoint_arrays``), so
the bit-equality of every shared key and the untouched head are judged on raw arrays (trusted;
``inside.py`` holds the numpy generator both sides use: the sandbox may only see ``inside.py``);
the key report is judged from the returned lists; whether the payload ran is observed in the
sandbox (a marker directory its unpickling would create).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np

from challenges.content.checkpoint_surgery import inside as spec
from challenges.kinds.base import Call, CallResult
from challenges.verdict import OBSERVED, Check

FUNCTION = "load_checkpoint"
MAX_KEYS = 200

ADVICE_LOAD = ("Load with torch.load(path, map_location='cpu', weights_only=True), take checkpoint['state_dict'], strip "
               "the prefix with k.removeprefix('module.') (only where it is there), keep the keys whose shape matches "
               "model.state_dict(), and load those with model.load_state_dict(kept, strict=False).")
ADVICE_SHAPES = ("strict=False skips missing and unexpected keys, not shape mismatches: drop every key whose tensor "
                 "shape differs from model.state_dict()[key].shape before load_state_dict, and leave the model's own "
                 "head as it is.")
ADVICE_REPORT = ("Return (missing, unexpected) as two lists of key names without 'module.': missing = the model's keys "
                 "that did not get a value from the checkpoint (skipped shape mismatches included), unexpected = the "
                 "checkpoint's keys that the model does not have. Compute unexpected before you filter the dict: "
                 "load_state_dict cannot report keys you removed.")
ADVICE_PAYLOAD = ("Load with torch.load(path, weights_only=True) and never fall back to weights_only=False: a "
                  "checkpoint is a pickle, and unpickling an untrusted one runs whatever it names. Let the "
                  "UnpicklingError propagate (or report it) instead of retrying unsafely.")


def _show(text: str, limit: int = 80) -> str:
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text[:limit])
    return f"`{clean}{'…' if len(text) > limit else ''}`"


def _list(names: list[str] | set[str], limit: int = 4) -> str:
    items = sorted(names)
    return (", ".join(_show(n, 40) for n in items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")) or "none"


def calls(rng: random.Random) -> list[Call]:
    """The seed fixes the checkpoint's values; the rng also draws the model's class count and the extra key."""
    made = []
    for cid, scenario, prefix in (("dataparallel", "surgery", "module."), ("single-gpu", "surgery", ""),
                                  ("pickle-payload", "payload", "module.")):
        made.append(Call(id=cid, function=FUNCTION, scenario=scenario,
                         args=(rng.randrange(1 << 62), rng.randint(3, 20), rng.choice(spec.EXTRA_KEYS), prefix)))
    return made


def _keys(raw: Any) -> set[str] | None:
    if isinstance(raw, list) and len(raw) <= MAX_KEYS and all(isinstance(k, str) and len(k) <= 200 for k in raw):
        return set(raw)
    return None


def _weights(call: Call, value: Mapping[str, Any]) -> Check:
    seed, num_classes, extra_key, _ = call.args
    name = f"{call.id}-weights"
    state, head_before = value.get("state"), value.get("head_before")
    if not isinstance(state, dict) or not isinstance(head_before, dict):
        return Check(name, False, "the grader could not read the model's state dict after the call", advice=ADVICE_LOAD)
    expected = spec.checkpoint_arrays(seed, extra_key)
    wrong, unreadable = [], []
    for key, shape in spec.model_shapes(num_classes):
        got = state.get(key)
        want = head_before.get(key) if key in spec.HEAD_KEYS else expected[key]
        if not isinstance(got, np.ndarray) or not isinstance(want, np.ndarray) or got.shape != shape:
            unreadable.append(key)
        elif got.dtype != np.asarray(want).dtype or not np.array_equal(got, np.asarray(want)):
            wrong.append(key)
    shared = len(spec.model_shapes(num_classes)) - len(spec.HEAD_KEYS)
    if unreadable:
        return Check(name, False, f"after the call the model's state dict lacks or reshaped {_list(unreadable)}: "
                     "load into the model you are given, do not replace its layers", float(len(unreadable)),
                     advice=ADVICE_SHAPES)
    head_wrong = [k for k in wrong if k in spec.HEAD_KEYS]
    body_wrong = [k for k in wrong if k not in spec.HEAD_KEYS]
    if body_wrong:
        return Check(name, False, f"{len(body_wrong)} of the {shared} shared keys do not hold the checkpoint's exact "
                     f"values ({_list(body_wrong)}): they were not loaded (a prefix left on, or cut wrongly?)",
                     float(shared - len(body_wrong)), float(shared), advice=ADVICE_LOAD)
    if head_wrong:
        return Check(name, False, f"the model's {num_classes}-way head changed ({_list(head_wrong)}): the checkpoint's "
                     f"{spec.OLD_CLASSES}-way head does not fit, so skip it and keep the model's own",
                     float(shared), float(shared), advice=ADVICE_SHAPES)
    return Check(name, True, f"all {shared} shared keys hold the checkpoint's values bit for bit; the "
                 f"{num_classes}-way head kept its own", float(shared), float(shared))


def _report(call: Call, value: Mapping[str, Any]) -> Check:
    _, _, extra_key, _ = call.args
    name = f"{call.id}-report"
    returned = value.get("returned")
    if not (isinstance(returned, list) and len(returned) == 2):
        return Check(name, False, "load_checkpoint must return (missing, unexpected), two lists of key names",
                     advice=ADVICE_REPORT)
    missing, unexpected = _keys(returned[0]), _keys(returned[1])
    if missing is None or unexpected is None:
        return Check(name, False, "load_checkpoint must return (missing, unexpected), each a list of str key names",
                     advice=ADVICE_REPORT)
    want_missing, want_unexpected = set(spec.HEAD_KEYS), {extra_key}
    problems = []
    if missing != want_missing:
        problems.append(f"missing = {_list(missing)}, expected {_list(want_missing)} (the head whose shape differs)")
    if unexpected != want_unexpected:
        problems.append(f"unexpected = {_list(unexpected)}, expected {_list(want_unexpected)} (the key the model lacks)")
    if any(k.startswith("module.") for k in missing | unexpected):
        problems.append("report the names without the 'module.' prefix")
    if problems:
        return Check(name, False, "; ".join(problems), evidence=OBSERVED, advice=ADVICE_REPORT)
    return Check(name, True, f"missing {_list(missing)}, unexpected {_list(unexpected)}", evidence=OBSERVED)


def _payload(call: Call, result: CallResult | None) -> Check:
    name = call.id
    if result is None or result.error is not None or not isinstance(result.value, dict):
        why = result.error if result is not None and result.error else "no result came back"
        return Check(name, False, f"the payload scenario did not finish ({_show(str(why), 120)})",
                     evidence=OBSERVED, advice=ADVICE_PAYLOAD)
    ran, error = result.value.get("ran"), result.value.get("error")
    if ran is not False:
        return Check(name, False, "the planted checkpoint's pickle payload RAN (it created its marker): the file "
                     "was unpickled with weights_only=False, so a malicious checkpoint could run any code here",
                     evidence=OBSERVED, advice=ADVICE_PAYLOAD)
    how = f"refused: {_show(str(error), 100)}" if isinstance(error, str) else "loaded without running it"
    return Check(name, True, f"the planted pickle payload did not run ({how})", evidence=OBSERVED)


def judge(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    """``dataparallel-weights``/``-report``, ``single-gpu-weights``/``-report`` and ``pickle-payload``."""
    checks: list[Check] = []
    for call in calls:
        result = results.get(call.id)
        if call.scenario == "payload":
            checks.append(_payload(call, result))
            continue
        if not isinstance(result, CallResult) or result.error is not None or not isinstance(result.value, dict):
            error = result.error if isinstance(result, CallResult) and result.error else "no readable result came back"
            shapes = "size mismatch" in error
            for suffix in ("weights", "report"):
                checks.append(Check(f"{call.id}-{suffix}", False, f"load_checkpoint raised {_show(error, 200)}",
                                    advice=ADVICE_SHAPES if shapes else ADVICE_LOAD))
            continue
        checks += [_weights(call, result.value), _report(call, result.value)]
    return checks
