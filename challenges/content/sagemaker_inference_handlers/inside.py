"""Sandbox side of `sagemaker-inference-handlers`: serve the learner's ``inference.py`` the way the
SageMaker PyTorch serving container does, with the toolkit's own code.

The container's handler service builds ``sagemaker_inference.transformer.Transformer`` with
``DefaultPytorchInferenceHandler`` (``sagemaker-pytorch-inference``); the transformer imports the
user module named by ``SAGEMAKER_PROGRAM`` (default ``inference``), takes ``model_fn``,
``input_fn``, ``predict_fn`` and ``output_fn`` from it and falls back to the handler's
``default_*`` functions for the missing ones. We run exactly that object: the learner's module is
registered as ``inference``, ``model.pth`` is written to a scratch model dir, and each request
goes through the transformer's own transform function. The toolkit is imported here, in the job,
because its defaults run next to the learner's handlers (both packages are pure Python, open no
socket and import in ~0.3 s after torch).

Around the toolkit we only observe: ``torch.load`` is wrapped to record its ``map_location``, a
forward hook records whether autograd was on while the model ran. Everything returned is plain
data; the trusted side (``hooks.py``) rebuilds the same weights from the seed and judges.
"""

from __future__ import annotations

import importlib.machinery
import io
import json
import os
import sys
import tempfile
from typing import Any

import numpy as np
import torch
from torch import nn

IN_FEATURES = 6
HIDDEN = 16
CLASSES = 3
MAX_BODY_CHARS = 20_000  # of one response, as text
PROGRAM = "inference.py"


class Net(nn.Module):
    """The architecture the statement gives (learners paste it into inference.py)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(IN_FEATURES, HIDDEN)
        self.dropout = nn.Dropout(0.5)
        self.fc2 = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.dropout(torch.relu(self.fc1(x))))


def build(seed: int) -> Net:
    """The trained model on both sides, from a seed (large weights: clear argmax margins)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Net()
        with torch.no_grad():
            for p in model.parameters():
                p.mul_(3.0)
    return model


def saved_state(seed: int, prefixed: list[str]) -> dict[str, torch.Tensor]:
    """The state_dict as a DataParallel/DDP run leaves it: the named keys carry ``module.``."""
    return {(f"module.{k}" if k in prefixed else k): v.clone() for k, v in build(seed).state_dict().items()}


def _npy(rows: list[list[float]]) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(rows, dtype=np.float32))
    return buffer.getvalue()


def _body(request: dict[str, Any]) -> bytes:
    if request["encoding"] == "npy":
        return _npy(request["rows"])
    if request["encoding"] == "json":
        return json.dumps(request["rows"]).encode()
    return str(request["text"]).encode()


def _as_text(result: Any) -> tuple[str | None, str | None]:
    """(response text, problem) of what the transform returned (bytes, str, or (data, type))."""
    if isinstance(result, tuple) and result:
        result = result[0]
    if isinstance(result, (bytes, bytearray)):
        return bytes(result[: MAX_BODY_CHARS * 4]).decode("utf-8", errors="replace")[:MAX_BODY_CHARS], None
    if isinstance(result, str):
        return result[:MAX_BODY_CHARS], None
    return None, f"output_fn returned {type(result).__name__}, not bytes or str"


class _Recorder:
    """What the grader watches: torch.load's map_location, autograd state in the forward pass."""

    def __init__(self) -> None:
        self.loads: list[str] = []
        self.grad_on: list[bool] = []
        self._original = torch.load

    def install(self) -> None:
        original = self._original

        def watched_load(f: Any, *args: Any, **kwargs: Any) -> Any:
            where = kwargs.get("map_location", args[0] if args else None)
            self.loads.append("none" if where is None else repr(where)[:80])
            return original(f, *args, **kwargs)

        torch.load = watched_load  # type: ignore[assignment]

    def remove(self) -> None:
        torch.load = self._original  # type: ignore[assignment]

    def hook(self, module: nn.Module, inputs: Any, output: Any) -> None:
        self.grad_on.append(torch.is_grad_enabled() and not torch.is_inference_mode_enabled())


def _handlers(learner: Any) -> list[str]:
    return [n for n in ("model_fn", "input_fn", "predict_fn", "output_fn", "transform_fn")
            if callable(getattr(learner, n, None))]


def serve(learner: Any, seed: int, prefixed: list[str], requests: list[dict[str, Any]]) -> dict[str, Any]:
    """Load the model through the toolkit, then send each request through its transform."""
    from sagemaker_inference.transformer import Transformer
    from sagemaker_pytorch_serving_container.default_pytorch_inference_handler import DefaultPytorchInferenceHandler

    model_dir = tempfile.mkdtemp(prefix="model-")
    torch.save(saved_state(seed, prefixed), os.path.join(model_dir, "model.pth"))
    os.environ["SAGEMAKER_PROGRAM"] = PROGRAM
    learner.__spec__ = importlib.machinery.ModuleSpec("inference", None)
    sys.modules["inference"] = learner
    out: dict[str, Any] = {"handlers": _handlers(learner), "responses": {}}
    recorder = _Recorder()
    recorder.install()
    transformer = Transformer(default_inference_handler=DefaultPytorchInferenceHandler())
    try:
        transformer.validate_and_initialize(model_dir=model_dir)
    except Exception as exc:  # the learner's model_fn (or the toolkit's default) failed
        out["model_error"] = " ".join(f"{type(exc).__name__}: {exc}".split())[:400]
        return out
    finally:
        recorder.remove()
        out["loads"] = recorder.loads
    model = transformer._model
    out["model_type"] = type(model).__name__[:60]
    out["training"] = bool(model.training) if isinstance(model, nn.Module) else None
    if isinstance(model, nn.Module):
        model.register_forward_hook(recorder.hook)
    for request in requests:
        out["responses"][request["id"]] = _transform(transformer, model, request, recorder)
    return out


def _transform(transformer: Any, model: Any, request: dict[str, Any], recorder: _Recorder) -> dict[str, Any]:
    from sagemaker_inference import errors

    start = len(recorder.grad_on)
    try:
        result = transformer._run_handler_function(
            transformer._transform_fn, model, _body(request), request["content_type"], request["accept"])
    except Exception as exc:  # the handler chain raised: what and whether it is the expected kind
        return {"error": " ".join(f"{type(exc).__name__}: {exc}".split())[:300], "value_error": isinstance(exc, ValueError),
                "unsupported": isinstance(exc, errors.UnsupportedFormatError)}
    text, problem = _as_text(result)
    return {"text": text, "problem": problem, "grad_on": recorder.grad_on[start:]}
