"""C8.1 ``sagemaker-inference-handlers``: the trusted half.

One call runs the learner's ``inference.py`` in their job through the SageMaker inference
toolkit's own ``Transformer`` (``inside.serve``): ``model_fn`` on a model dir holding a
grader-saved ``model.pth``, then a JSON request, an NPY request and a request of a content type
the contract does not accept. The expected classes come from our own copy of the model, rebuilt
here from the same seed; the responses are parsed here as JSON, never trusted as anything else.
"""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np
import torch

from challenges.content.sagemaker_inference_handlers.inside import CLASSES, IN_FEATURES, build
from challenges.kinds.base import Call, CallResult
from challenges.verdict import OBSERVED, Check

SERVE_ID = "serve"
JSON_ROWS = 5
NPY_ROWS = 7
UNSUPPORTED = "text/plain"
ACCEPT = "application/json"
HANDLERS = ("model_fn", "input_fn", "predict_fn", "output_fn")

FIX_LOAD = ("model_fn(model_dir) builds Net(), loads os.path.join(model_dir, 'model.pth') with "
            "torch.load(path, map_location=device, weights_only=True), strips a leading 'module.' from the keys, "
            "calls load_state_dict, then returns model.to(device).eval().")


def _rows(rng: random.Random, n: int) -> list[list[float]]:
    return [[round(rng.gauss(0.0, 1.5), 4) for _ in range(IN_FEATURES)] for _ in range(n)]


def calls(rng: random.Random) -> list[Call]:
    seed = rng.randrange(1 << 30)
    keys = list(build(seed).state_dict())
    prefixed = sorted(rng.sample(keys, k=rng.randint(1, len(keys) - 1)))  # some keys, as the design says
    requests = [
        {"id": "json", "encoding": "json", "rows": _rows(rng, JSON_ROWS), "content_type": "application/json",
         "accept": ACCEPT},
        {"id": "npy", "encoding": "npy", "rows": _rows(rng, NPY_ROWS), "content_type": "application/x-npy",
         "accept": ACCEPT},
        {"id": "unsupported", "encoding": "text", "text": "1,2,3,4,5,6", "content_type": UNSUPPORTED,
         "accept": ACCEPT},
    ]
    return [Call(SERVE_ID, "serve", (seed, prefixed, requests), scenario="serve")]


def expected_classes(seed: int, rows: list[list[float]]) -> list[int]:
    model = build(seed).eval()
    with torch.no_grad():
        return [int(c) for c in model(torch.tensor(rows, dtype=torch.float32)).argmax(dim=1)]


def read_classes(text: str, n: int) -> tuple[list[int] | None, str]:
    """Classes from a JSON response: a list with one entry per row, each a class index or that
    row's scores (argmax taken); or an object whose "predictions" holds such a list."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None, f"the response is not JSON (it starts {text[:40]!r})"
    if isinstance(value, dict):
        value = value.get("predictions")
    if not isinstance(value, list) or len(value) != n:
        got = f"a list of {len(value)}" if isinstance(value, list) else type(value).__name__
        return None, f"the response holds {got}, expected a list of {n} (one per input row)"
    classes: list[int] = []
    for row in value:
        if isinstance(row, int) and not isinstance(row, bool):
            classes.append(row)
        elif isinstance(row, list) and len(row) == CLASSES and all(isinstance(x, (int, float)) for x in row):
            classes.append(int(np.argmax(np.asarray(row, dtype=np.float64))))
        else:
            return None, f"a row of the response is {str(row)[:40]}, neither a class index nor {CLASSES} scores"
    return classes, ""


def _request_check(name: str, what: str, response: Any, want: list[int]) -> Check:
    if not isinstance(response, dict):
        return Check(name, False, f"{what}: no response came back")
    if "error" in response:
        return Check(name, False, f"{what}: the handlers raised {str(response['error'])[:200]}",
                     advice="Decode the body in input_fn: json.loads(body) for application/json, "
                            "np.load(io.BytesIO(body)) for application/x-npy, then torch.tensor(..., dtype=torch.float32).")
    text = response.get("text")
    if not isinstance(text, str):
        return Check(name, False, f"{what}: {str(response.get('problem') or 'no body')[:200]}",
                     advice="output_fn returns the serialized body: json.dumps(...) (a str) for application/json.")
    got, problem = read_classes(text, len(want))
    if got is None:
        return Check(name, False, f"{what}: {problem}",
                     advice="output_fn(prediction, accept) returns json.dumps(prediction.argmax(dim=1).tolist()) "
                            "(or the scores, .tolist()) for accept application/json.")
    right = sum(g == w for g, w in zip(got, want, strict=True))
    ok = right == len(want)
    return Check(name, ok, f"{what}: {right}/{len(want)} rows get the right class" + ("" if ok else
                 f" (got {got}, expected {want})"), float(right), float(len(want)),
                 advice="" if ok else "The weights did not load as saved, or the model ran in training mode "
                                      "(Dropout is active then): load the state_dict, then call model.eval().")


def judge(calls_made: list[Call], results: dict[str, CallResult]) -> list[Check]:
    seed, _, requests = calls_made[0].args
    served = results.get(SERVE_ID, CallResult(error="the handlers were not called"))
    if not served.ok or not isinstance(served.value, dict):
        return [Check("model_fn", False, f"serving failed before any request: {served.error}"[:400], advice=FIX_LOAD)]
    value: dict[str, Any] = served.value
    handlers = [h for h in value.get("handlers", []) if isinstance(h, str)]
    checks = [_defaults_note(handlers)]
    checks += _model_checks(value, handlers)
    if "model_error" in value:
        return checks
    responses = value.get("responses") if isinstance(value.get("responses"), dict) else {}
    assert isinstance(responses, dict)
    by_id = {r["id"]: r for r in requests}
    checks.append(_request_check("json-request", "application/json request", responses.get("json"),
                                 expected_classes(seed, by_id["json"]["rows"])))
    checks.append(_request_check("npy-request", "application/x-npy request", responses.get("npy"),
                                 expected_classes(seed, by_id["npy"]["rows"])))
    checks.append(_grad_check(responses))
    checks.append(_unsupported_check(responses.get("unsupported")))
    return checks


def _defaults_note(handlers: list[str]) -> Check:
    missing = [h for h in HANDLERS if h not in handlers]
    if not missing:
        return Check("handlers", True, "inference.py defines all four handlers", warning=True)
    return Check("handlers", True, f"inference.py defines {', '.join(h for h in HANDLERS if h in handlers) or 'no handler'}; "
                 f"the toolkit's defaults stand in for {', '.join(missing)}", warning=True)


def _model_checks(value: dict[str, Any], handlers: list[str]) -> list[Check]:
    loads = [x for x in value.get("loads", []) if isinstance(x, str)]
    error = value.get("model_error")
    if isinstance(error, str):
        if "model_fn" not in handlers:
            message = ("there is no model_fn, so the toolkit's default ran: it only loads TorchScript "
                       f"(torch.jit.load) and failed on a state_dict: {error[:200]}")
        else:
            message = f"model_fn(model_dir) raised {error[:300]}"
        hint = (" The saved keys of some layers start with 'module.' (the model was wrapped in DataParallel "
                "when it was saved)." if "module." in error or "Missing key" in error else "")
        return [Check("model_fn", False, message + hint, advice=FIX_LOAD)]
    checks = [Check("model_fn", True, f"model_fn returned a {str(value.get('model_type'))[:60]}")]
    if not loads:
        checks.append(Check("map_location", False, "model_fn never called torch.load, so the grader cannot see "
                            "where the tensors were mapped", evidence=OBSERVED, advice=FIX_LOAD))
    elif "none" in loads:
        checks.append(Check("map_location", False, "torch.load was called without map_location: a model saved on a "
                            "GPU training instance then fails to load on a CPU endpoint ('Attempting to deserialize "
                            "object on a CUDA device')", evidence=OBSERVED,
                            advice="torch.load(path, map_location=torch.device('cuda' if torch.cuda.is_available() "
                                   "else 'cpu'), weights_only=True)."))
    else:
        checks.append(Check("map_location", True, f"torch.load got map_location={loads[0][:40]}", evidence=OBSERVED))
    training = value.get("training")
    if training is None:
        checks.append(Check("eval-mode", False, f"model_fn returned a {str(value.get('model_type'))[:60]}, not an "
                            "nn.Module", advice="Return the module itself, in eval mode."))
    else:
        checks.append(Check("eval-mode", not training, "model_fn returned the model in eval mode" if not training else
                            "model_fn returned the model in training mode: Dropout stays active unless every "
                            "predict_fn remembers eval()", evidence=OBSERVED,
                            advice="" if not training else "End model_fn with `return model.eval()`."))
    return checks


def _grad_check(responses: dict[str, Any]) -> Check:
    flags: list[Any] = []
    for rid in ("json", "npy"):
        response = responses.get(rid)
        if isinstance(response, dict) and isinstance(response.get("grad_on"), list):
            flags += response["grad_on"]
    if not flags:
        return Check("no-grad", False, "the model's forward pass never ran during a request",
                     evidence=OBSERVED, advice="predict_fn(data, model) calls model(data).")
    on = sum(1 for f in flags if f is True)
    return Check("no-grad", on == 0, "predict_fn ran the model without autograd" if on == 0 else
                 f"predict_fn ran the model with autograd on ({on} of {len(flags)} forward passes): every request "
                 "then builds a graph it never uses", evidence=OBSERVED,
                 advice="" if on == 0 else "Wrap the forward pass: `with torch.no_grad(): return model(data)` "
                                           "(or torch.inference_mode()).")


def _unsupported_check(response: Any) -> Check:
    name = "unsupported-content-type"
    advice = ("In input_fn, handle application/json and application/x-npy and end with "
              "`raise ValueError(f'unsupported content type {content_type}')`: the endpoint then answers with an "
              "error instead of a prediction made from garbage.")
    if not isinstance(response, dict):
        return Check(name, False, f"a {UNSUPPORTED} request: no response came back", advice=advice)
    if "error" not in response:
        return Check(name, False, f"a {UNSUPPORTED} request was answered with a prediction: the handlers must refuse "
                     "a content type they do not decode", advice=advice)
    if response.get("value_error") or response.get("unsupported"):
        return Check(name, True, f"a {UNSUPPORTED} request was refused: {str(response['error'])[:120]}")
    return Check(name, False, f"a {UNSUPPORTED} request raised {str(response['error'])[:160]}, not ValueError: the "
                 "failure came from deeper in the code, not from a check of the content type", advice=advice)
