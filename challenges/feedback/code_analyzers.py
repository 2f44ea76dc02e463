"""PyTorch pitfalls found in the submission's syntax tree, shown as suggestions (never a rejection).

Each analyzer looks for one mistake that tutorials and forum threads keep meeting, with enough
context to stay quiet on correct code (the tests run every reference and twenty correct variants
through them). Parsing is bounded by the grading layer's precheck (the file already parsed there).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from challenges.verdict import Diagnosis

Analyzer = Callable[[ast.Module, "Context"], list[Diagnosis]]
INPLACE_DATA = {"copy_", "mul_", "add_", "sub_", "div_", "zero_", "fill_", "clamp_", "normal_", "uniform_", "mul", "add"}


class Context:
    """What an analyzer may need besides the tree: the contract's function names."""

    def __init__(self, predict: str | None = None) -> None:
        self.predict = predict


def _name(node: ast.AST) -> str:
    """The dotted name a call or attribute reads as (``torch.nn.functional.softmax`` -> ``...softmax``)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _name(node.func)
    return ""


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    return (n for n in ast.walk(tree) if isinstance(n, ast.Call))


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    return (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _uses_cross_entropy(tree: ast.AST) -> bool:
    return any(_last(_name(c)) in ("CrossEntropyLoss", "cross_entropy") for c in _calls(tree))


def softmax_before_cross_entropy(tree: ast.Module, ctx: Context) -> list[Diagnosis]:
    if not _uses_cross_entropy(tree):
        return []
    hits: list[int] = []
    for call in _calls(tree):  # a Softmax layer anywhere, or cross_entropy(softmax(...))
        last = _last(_name(call))
        if last in ("Softmax", "LogSoftmax"):
            hits.append(call.lineno)
        loss_call = last == "cross_entropy" or "criterion" in _name(call) or "loss_fn" in _name(call)
        if loss_call and call.args and _last(_name(call.args[0])) in ("softmax", "log_softmax"):
            hits.append(call.lineno)
    for fn in _functions(tree):  # forward() returning probabilities
        if fn.name != "forward":
            continue
        for ret in (n for n in ast.walk(fn) if isinstance(n, ast.Return)):
            if ret.value is not None and _last(_name(ret.value)) in ("softmax", "log_softmax"):
                hits.append(ret.lineno)
    if not hits:
        return []
    return [Diagnosis("softmax_before_cross_entropy", "actionable",
                      f"Line {hits[0]} applies softmax to the model's output, and the loss is CrossEntropyLoss, "
                      "which applies log-softmax itself: the double softmax flattens the gradients.",
                      "Return raw logits from the model and give them to CrossEntropyLoss; take softmax/argmax only "
                      "when you predict.", "code", hits[0])]


def _loops(fn: ast.AST) -> Iterator[ast.For | ast.While]:
    return (n for n in ast.walk(fn) if isinstance(n, (ast.For, ast.While)))


def zero_grad_missing(tree: ast.Module, ctx: Context) -> list[Diagnosis]:
    out: list[Diagnosis] = []
    for fn in _functions(tree):
        loop_calls = {_last(_name(c)): c for loop in _loops(fn) for c in _calls(loop)}
        if "backward" not in loop_calls or "step" not in loop_calls:
            continue
        names = {_last(_name(c)) for c in _calls(fn)}
        clears = any(isinstance(t, ast.Attribute) and t.attr == "grad"
                     for n in ast.walk(fn) if isinstance(n, ast.Assign) for t in n.targets)
        if "zero_grad" in names or clears:
            continue
        line = loop_calls["backward"].lineno
        out.append(Diagnosis("zero_grad_missing", "actionable",
                             f"`{fn.name}` calls backward() and step() in a loop (line {line}) but never zero_grad(): "
                             "gradients add up across batches, so every step uses the sum of all past ones.",
                             "Call optimizer.zero_grad() at the start of each iteration, before loss.backward().",
                             "code", line))
    return out


def _backward_names(fn: ast.AST) -> set[str]:
    return {c.func.value.id for c in _calls(fn)
            if isinstance(c.func, ast.Attribute) and c.func.attr == "backward" and isinstance(c.func.value, ast.Name)}


def loss_accumulated_as_tensor(tree: ast.Module, ctx: Context) -> list[Diagnosis]:
    for fn in _functions(tree):
        losses = _backward_names(fn)
        if not losses:
            continue
        for node in ast.walk(fn):
            value: ast.AST | None = None
            if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
                value = node.value
            elif isinstance(node, ast.Call) and _last(_name(node)) == "append" and node.args:
                value = node.args[0]
            if isinstance(value, ast.Name) and value.id in losses:
                return [Diagnosis("loss_accumulated_as_tensor", "actionable",
                                  f"Line {getattr(node, 'lineno', '?')} keeps `{value.id}` itself (a tensor that holds its whole "
                                  "autograd graph) in a running total or list: memory grows with every step.",
                                  f"Keep the number instead: `{value.id}.item()` (or `.detach()`).",
                                  "code", getattr(node, "lineno", None))]
    return []


def data_writes(tree: ast.Module, ctx: Context) -> list[Diagnosis]:
    def is_data(node: ast.AST) -> bool:
        while isinstance(node, ast.Subscript):
            node = node.value
        return isinstance(node, ast.Attribute) and node.attr == "data"

    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign):
            targets = [node.target]
        if any(is_data(t) for t in targets) or (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr.endswith("_") and node.func.attr in INPLACE_DATA and is_data(node.func.value)):
            line = getattr(node, "lineno", None)
            return [Diagnosis("data_write", "actionable",
                              f"Line {line} writes through `.data`, which bypasses autograd: the change is "
                              "invisible to gradients and can silently corrupt training.",
                              "Write under `with torch.no_grad():` to the parameter itself (p.mul_(0.9), "
                              "p.copy_(...)), or use .detach() to read a value.", "code", line)]
    return []


def predict_without_eval(tree: ast.Module, ctx: Context) -> list[Diagnosis]:
    if ctx.predict is None:
        return []
    fn = next((f for f in _functions(tree) if f.name == ctx.predict), None)
    if fn is None:
        return []
    names = {_last(_name(c)) for c in _calls(fn)} | {_last(_name(w.context_expr)) for n in ast.walk(fn)
                                                       if isinstance(n, (ast.With, ast.AsyncWith)) for w in n.items}
    decorated = {_last(_name(d)) for d in fn.decorator_list}
    if {"eval", "no_grad", "inference_mode"} & (names | decorated):
        return []
    return [Diagnosis("predict_without_eval", "informative",
                      f"`{fn.name}` (line {fn.lineno}) neither calls model.eval() nor runs under torch.no_grad() / "
                      "torch.inference_mode(). The grader switches eval mode on for you; your own scripts won't.",
                      "Start it with model.eval() and wrap the forward pass in `with torch.inference_mode():` "
                      "(BatchNorm and Dropout then behave as at test time, and no graph is built).", "code", fn.lineno)]


def torch_load_unsafe(tree: ast.Module, ctx: Context) -> list[Diagnosis]:
    for call in _calls(tree):
        if _name(call) not in ("torch.load", "load") or (_name(call) == "load" and not _imports_torch_load(tree)):
            continue
        flag = next((k for k in call.keywords if k.arg == "weights_only"), None)
        if flag is None or (isinstance(flag.value, ast.Constant) and flag.value.value is False):
            return [Diagnosis("torch_load_unsafe", "actionable",
                              f"Line {call.lineno} calls torch.load without weights_only=True: loading a pickle "
                              "can run any code the file's author put in it.",
                              "Use torch.load(path, weights_only=True) (tensors and plain containers only) and "
                              "load the state dict into a model you built.", "code", call.lineno)]
    return []


def _imports_torch_load(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.ImportFrom) and n.module == "torch" and any(a.name == "load" for a in n.names)
               for n in ast.walk(tree))


def frozen_then_train_mode(tree: ast.Module, ctx: Context) -> list[Diagnosis]:
    for fn in _functions(tree):
        freezes = [n for n in ast.walk(fn) if (
            isinstance(n, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == "requires_grad" for t in n.targets)
            and isinstance(n.value, ast.Constant) and n.value.value is False) or (
            isinstance(n, ast.Call) and _last(_name(n)) == "requires_grad_" and n.args
            and isinstance(n.args[0], ast.Constant) and n.args[0].value is False)]
        if not freezes:
            continue
        trains = [c for c in _calls(fn) if _last(_name(c)) == "train" and not c.args]
        evals = [c for c in _calls(fn) if _last(_name(c)) == "eval"]
        if trains and not any(e.lineno > max(t.lineno for t in trains) for e in evals):
            line = max(t.lineno for t in trains)
            return [Diagnosis("frozen_backbone_train_mode", "actionable",
                              f"`{fn.name}` freezes parameters (line {freezes[0].lineno}) and then calls .train() on "
                              f"the whole model (line {line}): frozen BatchNorm layers keep updating their running "
                              "statistics, so the backbone drifts although none of its weights train.",
                              "After model.train(), put the frozen part back in eval mode (backbone.eval()), or "
                              "override the model's train() to keep it there.", "code", line)]
    return []


ANALYZERS: tuple[Analyzer, ...] = (
    softmax_before_cross_entropy, zero_grad_missing, loss_accumulated_as_tensor, data_writes,
    predict_without_eval, torch_load_unsafe, frozen_then_train_mode,
)


def code_diagnoses(source: str, ctx: Context) -> list[Diagnosis]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    out: list[Diagnosis] = []
    for analyzer in ANALYZERS:
        try:
            out += analyzer(tree, ctx)
        except RecursionError:  # a pathological tree: no suggestion rather than no verdict
            continue
    return out
