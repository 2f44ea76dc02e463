"""Sandbox side of C1.2 ``device-agnostic``: patched torch backends, so every branch runs on a CPU.

The grader has no GPU (and must not need one): these scenarios replace ``torch.cuda.is_available``,
``torch.backends.mps.is_available`` (and ``is_built``), ``torch.accelerator`` and, for the fake GPU,
``torch.cuda.get_device_name`` / ``get_device_properties`` / ``torch.version.cuda``, call the
learner's function, put everything back, and describe what came back as plain data. Names the
learner's module imported directly (``from torch.cuda import is_available``) are patched too, so
any ordinary way of asking gets the same answer. ``to_device`` is called with the ``meta`` device,
which exists on every build: a tensor that really moved is on ``meta`` afterwards.

Runs next to learner code: imports only torch and the standard library; every description is
bounded (depth, nodes, text), and the trusted side (``hooks.py``) re-checks all of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType, SimpleNamespace
from typing import Any

import torch

from challenges.kinds import inside_kit as kit

MAX_DEPTH = 12
MAX_NODES = 200
MAX_TEXT = 80
_UNSET = object()


def _set(patches: list[tuple[Any, str, Any]], owner: Any, name: str, value: Any) -> None:
    if owner is None or not hasattr(owner, name):
        return
    patches.append((owner, name, getattr(owner, name)))
    setattr(owner, name, value)


@contextmanager
def fake_backends(learner: ModuleType, *, cuda: bool, mps: bool, gpu_name: str = "",
                  cuda_version: Any = _UNSET) -> Iterator[None]:
    """torch as it looks on a machine with (or without) CUDA and MPS, for the duration of a block."""
    patches: list[tuple[Any, str, Any]] = []
    accelerator = torch.device("cuda") if cuda else torch.device("mps") if mps else None
    props = SimpleNamespace(name=gpu_name, major=9, minor=0, total_memory=80 << 30, multi_processor_count=132)
    replacements: list[tuple[Any, str, Any]] = [
        (torch.cuda, "is_available", lambda: cuda),
        (torch.cuda, "device_count", lambda: 1 if cuda else 0),
        (torch.backends.mps, "is_available", lambda: mps),
        (torch.backends.mps, "is_built", lambda: mps),
        (getattr(torch, "accelerator", None), "is_available", lambda: accelerator is not None),
        (getattr(torch, "accelerator", None), "current_accelerator", lambda check_available=False: accelerator),
        (getattr(torch, "accelerator", None), "device_count", lambda: 1 if accelerator is not None else 0),
    ]
    if cuda:
        replacements += [
            (torch.cuda, "get_device_name", lambda device=None: gpu_name),
            (torch.cuda, "get_device_properties", lambda device=None: props),
            (torch.cuda, "current_device", lambda: 0),
        ]
    if cuda_version is not _UNSET:
        replacements.append((torch.version, "cuda", cuda_version))
    originals = {id(getattr(owner, name)): value for owner, name, value in replacements
                 if owner is not None and hasattr(owner, name) and callable(getattr(owner, name))}
    try:
        for owner, name, value in replacements:
            _set(patches, owner, name, value)
        for name, value in list(vars(learner).items()):  # `from torch.cuda import is_available`
            if callable(value) and id(value) in originals:
                _set(patches, learner, name, originals[id(value)])
        yield
    finally:
        for owner, name, value in reversed(patches):
            setattr(owner, name, value)


def _text(value: Any) -> str:
    try:
        return str(value)[:MAX_TEXT]
    except Exception:  # a learner object whose __str__ raises
        return "?"


def describe_device(value: Any) -> dict[str, Any]:
    """What ``get_device()`` returned, as plain data."""
    if isinstance(value, torch.device):
        return {"is_device": True, "type": value.type, "index": value.index, "text": _text(value)}
    return {"is_device": False, "class": type(value).__name__[:40], "text": _text(value)}


def get_device_on(learner: ModuleType, cuda: bool, mps: bool) -> dict[str, Any]:
    """``get_device()`` on a machine that has CUDA and/or MPS, or neither."""
    with fake_backends(learner, cuda=cuda, mps=mps, gpu_name="NVIDIA H100 80GB HBM3"):
        value = kit.contract_fn(learner, "get_device")()
    return describe_device(value)


# --- to_device: structures described as plain data ------------------------------------------------


def build(spec: Any, depth: int = 0) -> Any:
    """The object a plain spec describes: {"tensor": shape, "dtype": ...}, {"list": [...]},
    {"tuple": [...]}, {"dict": [[key, spec], ...]}, {"value": scalar}."""
    if depth > MAX_DEPTH or not isinstance(spec, dict):
        raise ValueError("bad spec")
    if "tensor" in spec:
        dtype = {"float32": torch.float32, "int64": torch.int64, "bool": torch.bool}[spec.get("dtype", "float32")]
        return torch.zeros([int(d) for d in spec["tensor"]], dtype=dtype)
    if "list" in spec:
        return [build(s, depth + 1) for s in spec["list"]]
    if "tuple" in spec:
        return tuple(build(s, depth + 1) for s in spec["tuple"])
    if "dict" in spec:
        return {str(k): build(s, depth + 1) for k, s in spec["dict"]}
    return spec.get("value")


def describe(value: Any, budget: list[int], depth: int = 0) -> Any:
    """The same grammar as ``build``, for what came back (tensors also say their device)."""
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        return {"truncated": True}
    if isinstance(value, torch.Tensor):
        return {"tensor": [int(d) for d in value.shape][:8], "dtype": str(value.dtype).replace("torch.", "")[:20],
                "device": value.device.type[:20]}
    if isinstance(value, list):
        return {"list": [describe(v, budget, depth + 1) for v in value[:MAX_NODES]]}
    if isinstance(value, tuple):
        return {"tuple": [describe(v, budget, depth + 1) for v in value[:MAX_NODES]],
                "class": type(value).__name__[:40]}
    if isinstance(value, dict):
        return {"dict": [[_text(k), describe(v, budget, depth + 1)] for k, v in list(value.items())[:MAX_NODES]],
                "class": type(value).__name__[:40]}
    if value is None or isinstance(value, (bool, int, float)):
        return {"value": value if not isinstance(value, int) or abs(value) < 1 << 53 else None,
                "class": type(value).__name__[:20]}
    if isinstance(value, str):
        return {"value": value[:MAX_TEXT], "class": "str"}
    return {"other": type(value).__name__[:40]}


def to_device_on_meta(learner: ModuleType, spec: dict[str, Any]) -> Any:
    """``to_device(obj, torch.device("meta"))`` on the object ``spec`` describes."""
    obj = build(spec)
    result = kit.contract_fn(learner, "to_device")(obj, torch.device("meta"))
    return describe(result, [MAX_NODES])


# --- env_report --------------------------------------------------------------------------------


def _report(value: Any) -> Any:
    """A learner's report as plain, bounded data: scalars kept, strings cut, anything else named."""
    if not isinstance(value, dict):
        return {"__not_a_dict__": type(value).__name__[:40]}
    out: dict[str, Any] = {}
    for key, item in list(value.items())[:20]:
        if isinstance(item, (str, torch.device)):
            item = str(item)[:MAX_TEXT]  # TorchVersion is a str subclass
        elif not (item is None or isinstance(item, (bool, int, float))):
            item = {"class": type(item).__name__[:40]}
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) >= 1 << 53:
            item = None
        out[_text(key)] = item
    return out


def env_report_here(learner: ModuleType) -> dict[str, Any]:
    """``env_report()`` on this machine as it is, and torch's own answers next to it."""
    cuda = bool(torch.cuda.is_available())
    truth = {"torch_version": str(torch.__version__), "cuda_available": cuda,
             "cuda_version": torch.version.cuda, "device_name": torch.cuda.get_device_name(0) if cuda else None}
    return {"report": _report(kit.contract_fn(learner, "env_report")()), "truth": truth}


def env_report_on(learner: ModuleType, cuda: bool, gpu_name: str, cuda_version: str | None) -> dict[str, Any]:
    """``env_report()`` on a patched machine: a fake GPU (``cuda``) or a CPU-only wheel."""
    with fake_backends(learner, cuda=cuda, mps=False, gpu_name=gpu_name, cuda_version=cuda_version):
        value = kit.contract_fn(learner, "env_report")()
    return {"report": _report(value), "truth": {"torch_version": str(torch.__version__)}}
