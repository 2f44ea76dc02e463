"""C1.2 ``device-agnostic``: the trusted half. ``get_device``, ``to_device`` and ``env_report``
are called in the sandbox with torch's backends patched (``inside.py``), so the CUDA and MPS
branches are exercised on a grader without a GPU, and a hard-coded ``"cpu"`` (or a hard-coded
report) cannot pass: the patched answers must change the result.

Everything the sandbox returns is hostile data: descriptions are type-checked and bounded here,
and messages quote learner text only through ``_show`` (printable, short, no backticks).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from challenges.kinds.base import Call, CallResult
from challenges.verdict import Check

MAX_DEPTH = 12
KEYS = ("torch_version", "cuda_available", "cuda_version", "device_name")
GPU_NAMES = ("NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-40GB", "NVIDIA GeForce RTX 4090", "Tesla T4", "NVIDIA L4")
CUDA_VERSIONS = ("12.6", "12.8", "13.0", "13.2")
COMBOS = {  # check name -> (cuda, mps, expected device type)
    "get-device-cuda": (True, False, "cuda"),
    "get-device-mps": (False, True, "mps"),
    "get-device-cuda-and-mps": (True, True, "cuda"),
    "get-device-cpu": (False, False, "cpu"),
}
_MACHINE = {
    "get-device-cuda": "an NVIDIA GPU (torch.cuda.is_available() patched to True)",
    "get-device-mps": "an Apple-silicon Mac (torch.backends.mps.is_available() patched to True)",
    "get-device-cuda-and-mps": "both backends reported available (CUDA must win)",
    "get-device-cpu": "no GPU at all (both patched to False)",
}
_ADVICE_DEVICE = ("Ask torch at call time: `if torch.cuda.is_available(): return torch.device('cuda')`, then "
                  "`torch.backends.mps.is_available()` for 'mps', else `torch.device('cpu')`. Never hard-code a device.")
_ADVICE_TO = ("Recurse by type: a Tensor -> `obj.to(device)`; a dict -> `{k: to_device(v, device) for k, v in obj.items()}`; "
              "a list -> a list; a tuple -> `tuple(...)`; anything else -> return it unchanged.")
_ADVICE_ENV = ("Read every value from torch when env_report() is called: `torch.__version__`, `torch.cuda.is_available()`, "
               "`torch.version.cuda` (None on a CPU wheel) and `torch.cuda.get_device_name(0)` when CUDA is available.")


def _show(text: Any, limit: int = 40) -> str:
    """Learner text made safe to quote: printable, no backticks, bounded."""
    raw = text if isinstance(text, str) else repr(text) if isinstance(text, (bool, int, float, type(None))) else "?"
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in raw[:limit])
    return f"`{clean}{'…' if len(raw) > limit else ''}`"


# --- the calls ---------------------------------------------------------------------------------


def _tensor(rng: random.Random, dtype: str = "float32") -> dict[str, Any]:
    return {"tensor": [rng.randint(1, 4) for _ in range(rng.randint(1, 3))], "dtype": dtype}


def batch_spec(rng: random.Random) -> dict[str, Any]:
    """A training batch the way real code carries one: a dict with tensors, a tuple, a list, a nested
    dict and plain leaves (ints, a float, a string, None, a bool) that must come back unchanged."""
    step = rng.randint(1, 999)
    return {"dict": [
        ["images", _tensor(rng)],
        ["labels", _tensor(rng, "int64")],
        ["pair", {"tuple": [_tensor(rng), {"value": step}]}],
        ["masks", {"list": [_tensor(rng, "bool"), _tensor(rng), {"value": None}]}],
        ["meta", {"dict": [["name", {"value": rng.choice(["cat.png", "dog.png", "batch-7"])}],
                           ["scale", {"value": round(rng.uniform(0.1, 2.0), 3)}],
                           ["augment", {"value": rng.random() < 0.5}]]}],
        ["nested", {"list": [{"tuple": [_tensor(rng), {"list": [_tensor(rng, "int64")]}]}, {"value": "end"}]}],
    ]}


def calls(rng: random.Random) -> list[Call]:
    """Four patched machines for get_device, two structures for to_device, three env reports."""
    out = [Call(id=name, function="get_device", args=(cuda, mps), scenario="get_device_on")
           for name, (cuda, mps, _) in COMBOS.items()]
    out.append(Call(id="to-device-tensor", function="to_device", args=(_tensor(rng),), scenario="to_device_on_meta"))
    out.append(Call(id="to-device-batch", function="to_device", args=(batch_spec(rng),), scenario="to_device_on_meta"))
    out.append(Call(id="env-report-here", function="env_report", scenario="env_report_here"))
    out.append(Call(id="env-report-gpu", function="env_report", scenario="env_report_on",
                    args=(True, rng.choice(GPU_NAMES), rng.choice(CUDA_VERSIONS))))
    out.append(Call(id="env-report-cpu-wheel", function="env_report", scenario="env_report_on", args=(False, "", None)))
    rng.shuffle(out)
    return out


# --- judging -------------------------------------------------------------------------------------


def _error(call: Call, result: CallResult | None) -> str | None:
    if result is None:
        return "no result came back for this call"
    if result.error is not None:
        return f"{call.function}() raised {_show(result.error, 160)}"
    return None


def _judge_device(call: Call, result: CallResult | None) -> Check:
    want = COMBOS[call.id][2]
    machine = _MACHINE[call.id]
    problem = _error(call, result)
    if problem is None and result is not None:
        value = result.value
        if not isinstance(value, dict) or not isinstance(value.get("is_device"), bool):
            problem = "the scenario's description did not come back"
        elif not value["is_device"]:
            problem = (f"get_device() returned a {_show(value.get('class'), 20)[1:-1]} ({_show(value.get('text'))}), "
                       f"not a torch.device: wrap it, `torch.device({want!r})`")
        elif value.get("type") != want:
            problem = f"get_device() returned {_show(value.get('text'))} but this machine needs a {want!r} device"
        else:
            return Check(call.id, True, f"on {machine}: {_show(value.get('text'))}", str(value.get("text"))[:20], want)
    why = ""
    if want != "cpu":
        why = (" The patched torch said a GPU is there, so the result must change with it; a device "
               "chosen once by hand (or at import time) does not.")
    return Check(call.id, False, f"on {machine}: {problem}.{why}", None, want, advice=_ADVICE_DEVICE)


def _expected(spec: Any) -> Any:
    """The description a correct to_device returns for ``spec`` (tensors on meta)."""
    if "tensor" in spec:
        return {"tensor": spec["tensor"], "dtype": spec.get("dtype", "float32"), "device": "meta"}
    for kind in ("list", "tuple"):
        if kind in spec:
            return {kind: [_expected(s) for s in spec[kind]]}
    if "dict" in spec:
        return {"dict": [[k, _expected(s)] for k, s in spec["dict"]]}
    return {"value": spec.get("value")}


def _kind(node: Any) -> str:
    if not isinstance(node, dict):
        return "nothing"
    for kind in ("tensor", "list", "tuple", "dict", "value", "other", "truncated"):
        if kind in node:
            return kind
    return "nothing"


_NAMES = {"tensor": "a tensor", "list": "a list", "tuple": "a tuple", "dict": "a dict", "value": "a plain value",
          "other": "another object", "truncated": "too deep a structure", "nothing": "nothing"}


def compare(want: Any, got: Any, path: str, problems: dict[str, list[str]], depth: int = 0) -> None:
    """Walk both descriptions; each difference goes under tensors / structure / leaves."""
    if depth > MAX_DEPTH:
        return
    kind, got_kind = _kind(want), _kind(got)
    if kind == "tensor":
        if got_kind != "tensor":
            problems["to-device-structure"].append(f"{path} should be a tensor, got {_NAMES[got_kind]}")
        elif got.get("device") != "meta":
            problems["to-device-tensors"].append(f"{path} stayed on {_show(got.get('device'), 20)}")
        elif got.get("tensor") != want["tensor"] or got.get("dtype") != want["dtype"]:
            problems["to-device-tensors"].append(f"{path} changed shape or dtype")
        return
    if kind == "value":
        if got_kind != "value" or type(got.get("value")) is not type(want["value"]) or got.get("value") != want["value"]:
            shown = _show(got.get("value")) if got_kind == "value" else _NAMES[got_kind]
            problems["to-device-leaves"].append(f"{path} was {_show(want['value'])}, came back as {shown}")
        return
    if got_kind != kind:
        problems["to-device-structure"].append(f"{path} should be {_NAMES[kind]}, got {_NAMES[got_kind]}")
        return
    if kind == "dict":
        got_items = {k: v for k, v in got["dict"] if isinstance(got["dict"], list)} if isinstance(got.get("dict"), list) else {}
        for key, child in want["dict"]:
            if key not in got_items:
                problems["to-device-leaves" if _kind(child) == "value" else "to-device-structure"].append(
                    f"{path}[{key!r}] is missing")
            else:
                compare(child, got_items[key], f"{path}[{key!r}]", problems, depth + 1)
        return
    items = got.get(kind) if isinstance(got.get(kind), list) else []
    if len(items) != len(want[kind]):
        problems["to-device-structure"].append(f"{path} had {len(want[kind])} items, came back with {len(items)}")
        return
    for i, (child, got_child) in enumerate(zip(want[kind], items, strict=True)):
        compare(child, got_child, f"{path}[{i}]", problems, depth + 1)


def _judge_to_device(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    problems: dict[str, list[str]] = {"to-device-tensors": [], "to-device-structure": [], "to-device-leaves": []}
    errors: list[str] = []
    for call in sorted((c for c in calls if c.function == "to_device"), key=lambda c: c.id):
        result = results.get(call.id)
        error = _error(call, result)
        if error is not None or result is None:
            errors.append(f"{call.id}: {error}")
            continue
        compare(_expected(call.args[0]), result.value, "obj", problems)
    what = {
        "to-device-tensors": "every tensor is moved to the device (called with torch.device('meta'))",
        "to-device-structure": "lists stay lists, tuples stay tuples, dicts keep their keys",
        "to-device-leaves": "non-tensor leaves (ints, floats, strings, None, bools) come back unchanged",
    }
    checks = []
    for name, found in problems.items():
        found = errors + found
        if found:
            listed = "; ".join(found[:3]) + (f" (and {len(found) - 3} more)" if len(found) > 3 else "")
            checks.append(Check(name, False, f"{what[name]}: {listed}", float(len(found)), 0.0, advice=_ADVICE_TO))
        else:
            checks.append(Check(name, True, what[name]))
    return checks


def _judge_env(call: Call, result: CallResult | None) -> Check:
    error = _error(call, result)
    if error is not None or result is None:
        return Check(call.id, False, error or "no result", advice=_ADVICE_ENV)
    value = result.value
    report = value.get("report") if isinstance(value, dict) else None
    truth = value.get("truth") if isinstance(value, dict) else None
    if not isinstance(report, dict) or "__not_a_dict__" in report or not isinstance(truth, dict):
        return Check(call.id, False, "env_report() must return a dict", advice=_ADVICE_ENV)
    missing = [k for k in KEYS if k not in report]
    if missing:
        return Check(call.id, False, f"env_report() lacks the keys {', '.join(missing)}", advice=_ADVICE_ENV)
    if call.id == "env-report-here":
        want = {"torch_version": truth.get("torch_version"), "cuda_available": truth.get("cuda_available"),
                "cuda_version": truth.get("cuda_version")}
        machine = "this machine as it is"
        name = truth.get("device_name")
    else:
        cuda, gpu_name, cuda_version = call.args
        want = {"torch_version": truth.get("torch_version"), "cuda_available": cuda, "cuda_version": cuda_version}
        name = gpu_name if cuda else None
        machine = (f"a patched machine with a GPU ({gpu_name}, CUDA {cuda_version} build)" if cuda
                   else "a patched CPU-only wheel (torch.version.cuda is None)")
    wrong = [f"{k} is {_show(report[k])}, torch says {_show(v)}" for k, v in want.items()
             if type(report[k]) is not type(v) or report[k] != v]
    device_name = report["device_name"]
    if name is not None and device_name != name:
        wrong.append(f"device_name is {_show(device_name)}, torch.cuda.get_device_name(0) says {_show(name)}")
    elif name is None and (not isinstance(device_name, str) or not device_name.strip()):
        wrong.append(f"device_name is {_show(device_name)}: name the device get_device() picks (a non-empty string)")
    if wrong:
        return Check(call.id, False, f"on {machine}: " + "; ".join(wrong[:3]), advice=_ADVICE_ENV)
    return Check(call.id, True, f"on {machine}: every value matches torch")


def judge(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    """One check per patched machine, three for to_device, one per env report."""
    checks = [_judge_device(c, results.get(c.id)) for c in sorted(calls, key=lambda c: c.id) if c.id in COMBOS]
    checks += _judge_to_device(calls, results)
    checks += [_judge_env(c, results.get(c.id)) for c in sorted(calls, key=lambda c: c.id) if c.function == "env_report"]
    return checks
