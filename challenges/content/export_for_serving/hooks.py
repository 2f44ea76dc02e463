"""C2.2 ``export-for-serving``: the trusted half. The learner's ``export(model, example_input,
path)`` runs in their job; the artifact's bytes then go to a fresh job that never imports their
module (``Exchange.next_plan``), which loads it and runs three new batch sizes. The outputs are
compared here with our own eager model, rebuilt from the same seed: nothing the learner's process
computed is trusted, and the artifact is never unpickled on this side."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

from challenges.content.export_for_serving.inside import build, inputs
from challenges.kinds.base import Call, CallResult
from challenges.verdict import Check

TOLERANCE = 1e-4  # max |artifact - eager| (design C2.2)
SIZES = (3, 7, 16)  # new batch sizes: the example had 2
EXPORT_ID = "export"
LOAD_ID = "load-in-a-fresh-process"

FIX_DYNAMIC = ("Export with a dynamic batch dimension: batch = torch.export.Dim('batch', min=1, max=1024); "
               "torch.export.export(model, (example_input,), dynamic_shapes=({0: batch},)).")
FIX_FORMAT = ("Save a program that carries its own code: program = torch.export.export(model.eval(), "
              "(example_input,), ...); torch.export.save(program, path). torch.save(model) and a state_dict "
              "both need your Python class to load again.")


def calls(rng: random.Random) -> list[Call]:
    seed = rng.randrange(1 << 30)
    return [Call(EXPORT_ID, "export", (seed,), scenario="export_model")]


def followup(calls_made: list[Call], results: dict[str, CallResult]) -> list[Call]:
    exported = results.get(EXPORT_ID)
    if exported is None or not exported.ok or not isinstance(exported.value, np.ndarray):
        return []
    seed = int(calls_made[0].args[0])
    return [Call(LOAD_ID, "load", (seed + 2, list(SIZES)), scenario="load_and_run", blob=EXPORT_ID)]


def _eager(seed: int) -> list[np.ndarray]:
    model = build(seed).eval()
    with torch.no_grad():
        return [model(x).numpy() for x in inputs(seed + 2, list(SIZES))]


def judge(calls_made: list[Call], results: dict[str, CallResult]) -> list[Check]:
    exported = results.get(EXPORT_ID, CallResult(error="export() was not called"))
    if not exported.ok or not isinstance(exported.value, np.ndarray) or exported.value.dtype != np.uint8:
        why = exported.error or "export() must write the artifact to the path it is given"
        return [Check("artifact_written", False, f"no artifact: {why}"[:400],
                      advice="Write the file at exactly the `path` argument, e.g. torch.export.save(program, path).")]
    checks = [Check("artifact_written", True, f"export() wrote {exported.value.size:,} bytes")]
    loaded = results.get(LOAD_ID, CallResult(error="the artifact was not loaded"))
    value = loaded.value if loaded.ok and isinstance(loaded.value, dict) else None
    if value is None or value.get("format") not in ("torch.export", "torchscript"):
        checks.append(Check("loads_without_your_class", False,
                            f"a fresh process (without your module) could not load it: {loaded.error or 'no result'}"[:400],
                            advice=FIX_FORMAT))
        return checks
    fmt = value["format"]
    checks.append(Check("loads_without_your_class", True, f"loaded by {fmt} in a fresh process"))
    if fmt == "torchscript":
        checks.append(Check("format", True, "TorchScript loads, but it is deprecated in torch 2.x: prefer "
                            "torch.export (.pt2)", warning=True))
    expected = _eager(int(calls_made[0].args[0]))
    outputs, errors = value.get("outputs"), value.get("errors")
    for i, n in enumerate(SIZES):
        got = outputs[i] if isinstance(outputs, list) and i < len(outputs) else None
        error = errors[i] if isinstance(errors, list) and i < len(errors) and isinstance(errors[i], str) else None
        checks.append(_compare(n, got, expected[i], error))
    return checks


def _compare(n: int, got: Any, want: np.ndarray, error: str | None) -> Check:
    name = f"batch-{n}"
    if error is not None or not isinstance(got, np.ndarray):
        return Check(name, False, f"batch of {n}: the artifact failed ({error or 'no output'})"[:400], advice=FIX_DYNAMIC)
    if got.shape != want.shape or got.dtype.kind != "f":
        return Check(name, False, f"batch of {n}: output {list(got.shape)}, expected {list(want.shape)}", advice=FIX_DYNAMIC)
    diff = float(np.abs(got.astype(np.float64) - want).max()) if np.isfinite(got).all() else float("inf")
    ok = diff < TOLERANCE
    advice = "" if ok else ("Call model.eval() before exporting: in training mode Dropout and BatchNorm batch "
                            "statistics get baked into the program.")
    return Check(name, ok, f"batch of {n}: max |artifact - eager| = {diff:.2g}" + ("" if ok else f" >= {TOLERANCE:g}"),
                 diff if np.isfinite(diff) else None, TOLERANCE, advice=advice)
