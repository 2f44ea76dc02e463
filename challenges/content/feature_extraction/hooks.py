"""C3.3 ``feature-extraction``: the trusted half of a ``functions`` challenge.

The learner writes ``extract(model, x) -> dict[str, Tensor]`` returning the outputs of the nodes
``layer1``..``layer4`` of a torchvision resnet18. The model (``weights=None``, initialised from a
seed, eval mode) and the input are rebuilt here from the same seed, and the grader's own forward
hooks record the four outputs in this process; each returned tensor comes back as one array and
is compared with ``allclose``. Whether the learner's hooks were removed afterwards (no module
keeps a forward hook after ``extract`` returns), the returned keys and a repeat call are
sandbox-observed. Returned values are hostile: bounded, type-checked, never echoed raw.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np

from challenges.content.feature_extraction.inside import NODES, make_input, make_model
from challenges.kinds.base import Call, CallResult
from challenges.verdict import OBSERVED, Check

FUNCTION = "extract"
RTOL, ATOL = 1e-4, 1e-5
MAX_ELEMENTS = 1 << 20

ADVICE = ("torchvision.models.feature_extraction.create_feature_extractor(model, return_nodes=['layer1', 'layer2', "
          "'layer3', 'layer4']) returns a module whose output is exactly this dict; or register a forward hook on "
          "each of model.layer1..layer4 that stores its output, run model(x) once, and remove the hooks")
HOOK_ADVICE = ("register_forward_hook returns a handle: keep the four handles and call handle.remove() on each once "
               "the forward pass is done (in a try/finally), or use create_feature_extractor, which leaves the model "
               "untouched. A hook left behind runs on every later forward pass, and one more is added per call")


def calls(rng: random.Random) -> list[Call]:
    """One input (batch 2, 64x64 to 96x96 pixels): one call per node and one summary call."""
    seed, size = rng.randrange(2**31), rng.choice([64, 80, 96])
    made = [Call(id=node, function=FUNCTION, args=(seed, 2, size, node), scenario="feature") for node in NODES]
    made.append(Call(id="summary", function=FUNCTION, args=(seed, 2, size), scenario="summary"))
    return made


def expected(seed: int, batch: int, size: int) -> dict[str, np.ndarray]:
    """The four node outputs, recorded by the grader's own forward hooks in this process."""
    import torch

    model = make_model(seed)
    seen: dict[str, np.ndarray] = {}
    handles = []
    for node in NODES:
        def hook(module: Any, args: Any, output: Any, node: str = node) -> None:
            seen[node] = output.detach().numpy().copy()
        handles.append(getattr(model, node).register_forward_hook(hook))
    try:
        with torch.inference_mode():
            model(make_input(seed, batch, size))
    finally:
        for handle in handles:
            handle.remove()
    return seen


def _show(text: str, limit: int = 160) -> str:
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text[:limit])
    return f"`{clean}{'…' if len(text) > limit else ''}`"


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape[:8]) + ")"


def _judge_node(call: Call, result: CallResult | None, want: np.ndarray) -> Check:
    node = call.id
    target = _shape(want.shape)
    if result is None or result.error is not None:
        why = "no result came back" if result is None else f"extract raised {_show(str(result.error))}"
        return Check(node, False, f"{node}: {why}", None, target, advice=ADVICE)
    value = result.value
    if not isinstance(value, np.ndarray):
        return Check(node, False, f"{node}: the value is a {type(value).__name__[:30]}, not a tensor", None, target,
                     advice=ADVICE)
    if value.size > MAX_ELEMENTS or value.ndim > 8 or value.dtype.kind != "f":
        return Check(node, False, f"{node}: returned {value.dtype.name[:12]} {_shape(value.shape)}, expected float32 "
                     f"{target}", _shape(value.shape), target, advice=ADVICE)
    if value.shape != want.shape:
        why = ""
        if value.ndim == 2 and value.shape[0] == want.shape[0]:
            why = ": flattened or pooled; return the block's output as it is, (N, C, H, W)"
        return Check(node, False, f"{node}: shape {_shape(value.shape)}, expected {target}{why}", _shape(value.shape),
                     target, advice=ADVICE)
    with np.errstate(all="ignore"):
        got = value.astype(np.float64)
        close = bool(np.isfinite(got).all() and np.allclose(got, want, rtol=RTOL, atol=ATOL))
        error = float(np.nanmax(np.abs(got - want))) if np.isfinite(got).any() else float("inf")
    if not close:
        return Check(node, False, f"{node}: values differ from the grader's hook on model.{node} by up to {error:.3g}: "
                     "is it the output of this block (not its input, not another block), with the model in eval mode "
                     "and its weights untouched?", error, ATOL, advice=ADVICE)
    return Check(node, True, f"{node}: {target} matches the grader's forward hook (max error {error:.1e})", error, ATOL)


def _judge_summary(call: Call, result: CallResult | None) -> list[Check]:
    names = ("keys", "hooks-removed")
    if result is None or result.error is not None or not isinstance(result.value, dict):
        why = ("no result came back" if result is None else f"extract raised {_show(str(result.error))}"
               if result.error is not None else "the summary did not come back")
        return [Check(n, False, why, None, None, OBSERVED, advice=ADVICE if n == "keys" else HOOK_ADVICE) for n in names]
    facts: Mapping[str, Any] = result.value
    checks: list[Check] = []
    raw_keys = facts.get("keys")
    if not isinstance(raw_keys, list):
        checks.append(Check("keys", False, f"extract returned a {_show(str(facts.get('type', '?')), 40)}, not a dict",
                            None, "layer1..layer4", OBSERVED, advice=ADVICE))
    else:
        keys = [str(k)[:40] for k in raw_keys[:64]]
        missing = [n for n in NODES if n not in keys]
        extra = [k for k in keys if k not in NODES]
        message = "the dict has exactly the keys layer1..layer4"
        if missing or extra:
            message = (f"missing {', '.join(missing) or 'nothing'}; extra keys {', '.join(_show(k, 20) for k in extra[:6]) or 'none'}"
                       "; return_nodes given as a dict renames the keys to its values")
        checks.append(Check("keys", not missing and not extra, message, float(len(keys)), 4.0, OBSERVED, advice=ADVICE))
    left = [str(n)[:40] for n in facts.get("hooks_first", [])[:8]] if isinstance(facts.get("hooks_first"), list) else ["?"]
    left_second = facts.get("hooks_second") if isinstance(facts.get("hooks_second"), list) else ["?"]
    removed = not left and not left_second
    checks.append(Check("hooks-removed", removed, "no module keeps a forward hook after extract returns" if removed else
                        f"after extract returned, {len(left)} module(s) still carry forward hooks ({', '.join(left[:4])})",
                        float(len(left)), 0.0, OBSERVED, advice=HOOK_ADVICE))
    if facts.get("repeatable") is False:
        checks.append(Check("repeatable", False, "a second extract(model, x) on the same model and input returned "
                            "different tensors (hooks from the first call still firing, or the model changed)",
                            None, None, OBSERVED, advice=HOOK_ADVICE))
    if facts.get("training") is True:
        checks.append(Check("model-mode", False, "extract left the model in training mode; it came in eval mode",
                            None, None, OBSERVED, warning=True))
    return checks


def judge(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    """One check per node (trusted), then keys and hooks-removed (sandbox-observed)."""
    checks: list[Check] = []
    wanted: dict[str, np.ndarray] | None = None
    for call in calls:
        if call.id in NODES:
            if wanted is None:
                seed, batch, size = (int(a) for a in call.args[:3])
                wanted = expected(seed, batch, size)
            checks.append(_judge_node(call, results.get(call.id), wanted[call.id]))
        elif call.id == "summary":
            checks += _judge_summary(call, results.get(call.id))
    return checks
