"""Helpers for the sandbox-side halves of kinds (``*_inside`` modules) and challenge ``inside.py``.

This module runs *inside the sandbox*, next to learner code, so it imports only torch and numpy:
nothing of the bot, the database, the sandbox or the trusted graders. It turns the learner's
contract functions into clear errors when missing, builds loaders from plain arrays, converts
whatever the learner returns into numpy, and collects plain facts about the model (§2.9). Facts are
advisory: the trusted grader type-checks them and relies on hidden-data metrics.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class ContractError(TypeError):
    """The learner's file does not follow the challenge contract (missing or wrong function)."""


def contract_fn(learner: ModuleType, name: str) -> Callable[..., Any]:
    """The learner's contract function ``name``, or a ContractError naming what is missing."""
    fn = getattr(learner, name, None)
    if not callable(fn):
        raise ContractError(f"your file must define a function `{name}(...)` (see the contract)")
    return fn  # type: ignore[no-any-return]


def build(learner: ModuleType, *args: Any) -> nn.Module:
    """Call ``build_model(*args)`` and insist on an ``nn.Module``."""
    model = contract_fn(learner, "build_model")(*args)
    if not isinstance(model, nn.Module):
        raise ContractError(f"build_model() must return a torch.nn.Module, got {type(model).__name__}")
    return model


def make_loader(*arrays: np.ndarray, batch_size: int = 64, seed: int = 0) -> DataLoader[Any]:
    """A shuffling DataLoader over ``TensorDataset`` of the given arrays (seeded shuffling)."""
    tensors = [torch.from_numpy(np.ascontiguousarray(a)) for a in arrays]
    gen = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(*tensors), batch_size=batch_size, shuffle=True, generator=gen)


def to_numpy(value: Any, what: str) -> np.ndarray:
    """Convert a learner's return value (tensor, array, list) to numpy, or explain what was wrong."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (list, tuple)):
        try:
            return np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise ContractError(f"{what} returned a list that is not a regular array: {exc}") from exc
    raise ContractError(f"{what} must return a torch.Tensor, got {type(value).__name__}")


def n_params(model: nn.Module) -> int:
    return int(sum(p.numel() for p in model.parameters()))


def module_types(model: nn.Module) -> list[str]:
    """Sorted distinct class names of every submodule (``model.modules()``)."""
    return sorted({type(m).__name__ for m in model.modules()})


def has_module(model: nn.Module, kind: type[nn.Module]) -> bool:
    return any(isinstance(m, kind) for m in model.modules())


@contextmanager
def evaluating(model: nn.Module) -> Iterator[None]:
    """``model.eval()`` and ``torch.no_grad()`` for the duration of a block."""
    model.eval()
    with torch.no_grad():
        yield


def shape_of(value: Any) -> list[int] | None:
    """The shape of a tensor/array as a JSON list, None for anything else."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return [int(s) for s in value.shape]
    return None


def deterministic_in_eval(fn: Callable[[], Any]) -> bool:
    """Whether two calls give the same tensor (eval-mode determinism, §2.9)."""
    a, b = fn(), fn()
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape:
        return bool(torch.equal(a, b))
    return False


def batched(fn: Callable[[torch.Tensor], Any], x: torch.Tensor, batch_size: int, what: str) -> np.ndarray:
    """Apply ``fn`` to ``x`` in batches and concatenate the numpy results along axis 0."""
    parts = [to_numpy(fn(x[i : i + batch_size]), what) for i in range(0, len(x), batch_size)]
    return np.concatenate(parts, axis=0) if parts else np.zeros((0,))


# --- loading the learner's module and watching training ----------------------------------------

PROGRESS_EVERY_S = 0.5
MAX_LOSSES = 20_000


class SourceLoader:
    """The submission's loader: ``get_source`` (PEP 302) hands its text to a challenge scenario
    that must run the file again as a script (``__main__``), as a cloud toolkit launches it."""

    def __init__(self, source: str) -> None:
        self._source = source

    def get_source(self, name: str) -> str:
        return self._source


def load_learner_module(source: str, filename: str) -> ModuleType:
    """Import the submission as module ``submission`` (so ``__main__`` blocks do not run)."""
    import sys

    module = ModuleType("submission")
    module.__file__ = filename
    module.__loader__ = SourceLoader(source)  # type: ignore[assignment]
    sys.modules["submission"] = module
    code = compile(source, filename, "exec", dont_inherit=True)
    exec(code, module.__dict__)
    return module


class ProgressHooks:
    """Watches ``backward()`` calls and optimizer steps to report loss and step counts, so that
    ordinary training loops stream progress without any cooperation. Advisory: learner code can
    forge all of it, so nothing here decides a verdict."""

    def __init__(self, send: Callable[..., None]) -> None:
        import time

        self._time = time
        self.send = send
        self.losses: list[float] = []
        self.steps = 0
        self.started = time.monotonic()
        self._last_sent = 0.0
        self._handle: Any = None
        self._original_backward: Any = None

    def install(self) -> None:
        from torch.optim.optimizer import register_optimizer_step_post_hook

        original_backward = torch.Tensor.backward
        self._original_backward = original_backward
        hooks = self

        def backward(tensor: Any, *args: Any, **kwargs: Any) -> Any:
            if tensor.numel() == 1 and len(hooks.losses) < MAX_LOSSES:
                hooks.losses.append(float(tensor.detach().float().item()))
            return original_backward(tensor, *args, **kwargs)

        torch.Tensor.backward = backward  # type: ignore[method-assign,assignment]
        self._handle = register_optimizer_step_post_hook(self._on_step)

    def remove(self) -> None:
        if self._original_backward is not None:
            torch.Tensor.backward = self._original_backward  # type: ignore[method-assign]
        if self._handle is not None:
            self._handle.remove()

    def _on_step(self, *_: Any) -> None:
        self.steps += 1
        now = self._time.monotonic()
        if now - self._last_sent >= PROGRESS_EVERY_S:
            self._last_sent = now
            loss = self.losses[-1] if self.losses else None
            if loss is not None and not math.isfinite(loss):  # JSON has no NaN; the facts carry the series
                loss = None
            self.send("progress", step=self.steps, loss=loss, elapsed=round(now - self.started, 2))


def plain(value: Any, what: str) -> Any:
    """A learner's return value as channel data: JSON values, numpy arrays for tensors/arrays,
    uint8 arrays for bytes. Anything else is a ContractError naming what came back."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (bytes, bytearray)):
        return np.frombuffer(bytes(value), dtype=np.uint8)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v, what) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: plain(v, what) for k, v in value.items()}
    if isinstance(value, torch.device):
        return str(value)
    raise ContractError(f"{what} returned a {type(value).__name__}, which the grader cannot read")


def flush_output() -> None:
    """Output written so far reaches the pipes before the result: the supervisor stops reading then."""
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


MAX_TRACE_ROWS = 64


def _shape_text(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return "(" + ", ".join(str(d) for d in value.shape) + ")"
    if isinstance(value, (tuple, list)):
        inner = [_shape_text(v) for v in value[:3]]
        return "[" + ", ".join(t for t in inner if t) + "]"
    return ""


def trace_shapes(model: nn.Module, run: Callable[[], Any]) -> list[dict[str, Any]]:
    """Run ``run()`` (a forward pass that raised) again with hooks on every leaf module: one row
    per layer reached, with its input and output shapes, up to the layer that raised (its
    ``output`` is None). Advisory, like everything sent from here."""
    rows: list[dict[str, Any]] = []
    open_rows: dict[int, dict[str, Any]] = {}
    handles = []

    def before(name: str) -> Callable[..., None]:
        def hook(module: nn.Module, args: tuple[Any, ...]) -> None:
            if len(rows) < MAX_TRACE_ROWS:
                row = {"layer": name[:60] or "(model)", "type": type(module).__name__[:40],
                       "input": _shape_text(args[0] if len(args) == 1 else args)[:80], "output": None,
                       "params": int(sum(p.numel() for p in module.parameters(recurse=False)))}
                rows.append(row)
                open_rows[id(module)] = row
        return hook

    def after(module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        row = open_rows.pop(id(module), None)
        if row is not None:
            row["output"] = _shape_text(output)[:80]

    for name, module in model.named_modules():
        if not any(True for _ in module.children()):
            handles.append(module.register_forward_pre_hook(before(name)))
            handles.append(module.register_forward_hook(after))
    try:
        with torch.no_grad():
            run()
    except Exception:  # the failure we are tracing: the rows so far are the answer
        pass
    finally:
        for handle in handles:
            handle.remove()
    return rows
