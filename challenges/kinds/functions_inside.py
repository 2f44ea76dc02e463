"""Sandbox side of the ``functions`` kind: call the learner's functions on the grader's cases.

Receives one ``calls`` message, runs each call (the learner's function, or a scenario of the
challenge's own ``inside.py`` given the learner's module), and sends one ``results`` message:
plain values in the header, arrays (tensors, bytes) as frames. A call that raises is reported with
its error and the next call still runs; a call that hangs is stopped by the phase deadline.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import numpy as np

from challenges.kinds import inside_kit as kit
from challenges.kinds.base import Channel

ARRAY_PREFIX = "r:"
BLOB_PREFIX = "b:"
MAX_ERROR = 500


def to_wire(value: Any, what: str) -> Any:
    """A value the channel can carry in its JSON header (arrays go to frames at the top level)."""
    value = kit.plain(value, what)
    if isinstance(value, np.ndarray):
        return value
    return _jsonable(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return {"__array__": value.tolist(), "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return {"__float__": "nan"}
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return {"__float__": "inf" if value > 0 else "-inf"}
    return value


def main(channel: Channel, job: dict[str, Any]) -> None:
    params = job["params"]
    message = channel.recv()["payload"]
    calls = message.get("calls", [])
    channel.send("phase", name="load")
    # A fresh job (follow-up calls) never imports the learner's module: what it loads must stand alone.
    learner = None if params.get("fresh") else kit.load_learner_module(job["source"], job["filename"])
    scenarios = importlib.import_module(params["inside"]) if params.get("inside") else None
    channel.send("phase", name="calls")
    payload = run_calls(learner, calls, message, scenarios)
    kit.flush_output()
    channel.send("results", payload)


def run_calls(learner: ModuleType | None, calls: list[dict[str, Any]], message: dict[str, Any],
              scenarios: ModuleType | None) -> dict[str, Any]:
    """Run each call and gather the ``results`` payload (also the trained kind's unit calls)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    payload: dict[str, Any] = {}
    for call in calls:
        cid = str(call["id"])
        try:
            if call.get("scenario"):
                if scenarios is None:
                    raise RuntimeError("this challenge has no scenarios")
                fn = getattr(scenarios, str(call["scenario"]))
                blob = message.get(BLOB_PREFIX + cid)
                args = ([blob] if call.get("blob") else []) + list(call.get("args", []))
                result = fn(learner, *args, **call.get("kwargs", {}))
            else:
                if learner is None:
                    raise RuntimeError("a fresh job calls scenarios only")
                fn = kit.contract_fn(learner, str(call["function"]))
                result = fn(*call.get("args", []), **call.get("kwargs", {}))
            wire = to_wire(result, f"{call['function']}()")
            if isinstance(wire, np.ndarray):
                payload[ARRAY_PREFIX + cid] = wire
            else:
                values[cid] = wire
        except Exception as exc:  # the learner's call failed: reported per call, the others still run
            errors[cid] = f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
    payload.update({"values": values, "errors": errors})
    return payload
