"""The lint layer: an early, friendly filter over the learner's source. Never the boundary.

Two passes. RestrictedPython's transformer (``compile_restricted_exec``, used in report-only
mode: its errors are collected, its code is never run) knows the pyjail escape routes: dunder
attributes, ``gi_frame``/``f_back``-style frame names, ``except*``, guard-name shadowing. Out of
the box it also rejects idiomatic PyTorch (``super().__init__()``, ``def __len__``, ``self._x``), so
its findings are tuned: the dunder protocol methods a model or dataset defines, ``__name__``/
``__main__`` and ``__version__``, and single-underscore names pass; everything else it reports
is kept, reworded so a learner can act on it. A second AST pass adds what RestrictedPython does
not know about: the import allow-list, native-code loaders (``ctypes``, ``load_library``,
``cpp_extension``), pickles (``torch.load``), dynamic code (``eval``/``exec``/``getattr`` with a
computed name) and format-string traversal. The kernel-level sandbox assumes code got past this.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import asdict, dataclass

ALLOWED_DUNDERS = {
    "__init__", "__len__", "__getitem__", "__setitem__", "__call__", "__iter__", "__next__",
    "__repr__", "__str__", "__enter__", "__exit__", "__contains__", "__post_init__", "__name__",
    "__main__", "__version__", "__add__", "__sub__", "__mul__", "__truediv__", "__matmul__",
    "__neg__", "__eq__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__bool__", "__doc__",
    "__future__", "__all__", "__slots__",
}
ALLOWED_IMPORTS = {
    "torch", "torchvision", "torchaudio", "numpy", "math", "random", "collections", "itertools",
    "functools", "dataclasses", "typing", "time", "copy", "statistics", "enum", "abc", "operator",
    "heapq", "bisect", "__future__", "warnings", "contextlib", "numbers", "fractions", "decimal",
    "datetime", "json", "re",
}
BLOCKED_IMPORT_REASONS = {
    "ctypes": "it loads native code", "cffi": "it loads native code", "subprocess": "it starts programs",
    "multiprocessing": "it starts processes", "socket": "it opens network connections",
    "pickle": "unpickling runs arbitrary code", "marshal": "it loads raw code objects",
    "gc": "it walks every object in the interpreter", "inspect": "it reaches into frames and other code",
    "importlib": "it imports modules dynamically", "sys": "it reaches into the interpreter",
    "builtins": "it rewrites the builtins", "os": "it reaches the operating system",
    "signal": "it installs signal handlers", "string": "its Formatter walks object attributes",
    "torch.utils.cpp_extension": "it compiles native code", "torch.hub": "it downloads code and weights",
    "numpy.ctypeslib": "it loads native code", "urllib": "it opens network connections",
    "http": "it opens network connections", "shutil": "it manipulates files and programs",
}
BLOCKED_ATTRIBUTES = {
    "gi_frame": "walks generator frames", "gi_code": "reaches code objects", "cr_frame": "walks coroutine frames",
    "ag_frame": "walks async-generator frames", "f_back": "walks the call stack", "f_globals": "reaches other code's globals",
    "f_locals": "reaches other code's variables", "f_builtins": "reaches the builtins", "tb_frame": "walks traceback frames",
    "tb_next": "walks tracebacks", "co_code": "reaches raw bytecode", "load_library": "loads native code",
    "load_inline": "compiles native code", "from_file": "maps arbitrary files", "system": "starts programs",
    "popen": "starts programs", "fork": "starts processes", "execv": "starts programs", "execve": "starts programs",
    "spawnv": "starts programs", "posix_spawn": "starts programs", "format_map": "walks attributes through a format string",
    "ctypeslib": "loads native code", "cpp_extension": "compiles native code",
}
BLOCKED_CALLS = {
    "eval": "runs code from a string", "exec": "runs code from a string", "compile": "builds code objects",
    "__import__": "imports modules dynamically", "globals": "exposes the module's internals",
    "vars": "exposes an object's internals", "locals": "exposes the frame's variables",
    "breakpoint": "starts a debugger", "open_code": "opens code files",
}
MAX_SOURCE_BYTES = 50_000
_RP_LINE = re.compile(r'^Line (\d+|None): (.*)$', re.S)
_RP_NAME = re.compile(r'"([^"]+)" is an invalid (attribute|variable) name')


@dataclass(frozen=True)
class Violation:
    line: int
    message: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _name_allowed(name: str) -> bool:
    if name in ALLOWED_DUNDERS:
        return True
    # `_hidden`, `_cache` are ordinary Python; `__x__` dunders and RestrictedPython's own guard
    # names (`_getattr_`, `_print_`, `_write_`...) are not.
    return name.startswith("_") and not name.startswith("__") and not name.endswith("_")


def _restricted_findings(source: str) -> list[Violation]:
    try:
        from RestrictedPython import compile_restricted_exec
    except ImportError:  # the AST pass below still runs
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compile_restricted_exec(source, filename="<submission>")
    found = []
    for error in result.errors:
        match = _RP_LINE.match(error)
        line = int(match.group(1)) if match and match.group(1).isdigit() else 0
        text = match.group(2) if match else error
        name = _RP_NAME.search(text)
        if name is not None:
            if _name_allowed(name.group(1)):
                continue
            text = (f"`{name.group(1)}` reaches into Python's internals (object graphs, frames, globals), "
                    "which challenges don't need; remove it or use the public API (for example "
                    "`model.named_modules()` instead of `__dict__`).")
        elif "is a restricted name" in text and text.split('"')[1:2] and text.split('"')[1] in BLOCKED_ATTRIBUTES:
            continue  # the AST pass reports it with a better reason
        elif text.startswith(("Eval calls", "Exec calls")):
            continue  # likewise
        elif text.startswith("AnnAssign statements"):
            continue  # `lr: float = 1e-2` in a dataclass is idiomatic and harmless
        elif "is a restricted name" in text:
            text = text.replace(", that is forbidden to access in RestrictedPython", "") + \
                " It walks frames or code objects; challenges never need it."
        elif "not allowed" in text:
            text += " Rewrite it with plain functions, loops and try/except."
        found.append(Violation(line, text.strip()))
    return found


class _Visitor(ast.NodeVisitor):
    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.safe_loads: set[int] = set()  # torch.load(..., weights_only=True) call targets

    def flag(self, node: ast.AST, message: str) -> None:
        self.violations.append(Violation(getattr(node, "lineno", 0), message))

    def _check_module(self, node: ast.AST, name: str) -> None:
        top = name.split(".")[0]
        for blocked, why in BLOCKED_IMPORT_REASONS.items():
            if name == blocked or name.startswith(blocked + "."):
                self.flag(node, f"`import {name}` is not available in challenges: {why}. "
                                "Use torch, numpy and the standard library's maths and data tools.")
                return
        if top not in ALLOWED_IMPORTS:
            self.flag(node, f"`import {name}` is not available in challenges; allowed modules are "
                            "torch, torchvision, torchaudio, numpy and " + ", ".join(sorted(ALLOWED_IMPORTS - {
                                "torch", "torchvision", "torchaudio", "numpy", "__future__"})) + ".")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:
            self.flag(node, "relative imports are not available: a submission is a single file.")
        else:
            self._check_module(node, module)
            for alias in node.names:
                full = f"{module}.{alias.name}"
                if any(full == b or full.startswith(b + ".") for b in BLOCKED_IMPORT_REASONS):
                    self._check_module(node, full)
                elif alias.name in BLOCKED_ATTRIBUTES:
                    self.flag(node, f"importing `{alias.name}` is not allowed in challenges: it "
                                    f"{BLOCKED_ATTRIBUTES[alias.name]}.")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in BLOCKED_ATTRIBUTES:
            self.flag(node, f"`.{node.attr}` {BLOCKED_ATTRIBUTES[node.attr]}, which challenges don't need; remove it.")
        if node.attr == "hub" and isinstance(node.value, ast.Name) and node.value.id == "torch":
            self.flag(node, "`torch.hub` downloads code and weights, which challenges don't allow; build the model yourself.")
        if node.attr == "load" and isinstance(node.value, ast.Name) and node.value.id == "torch" and (
            id(node) not in self.safe_loads
        ):
            self.flag(node, "`torch.load` without `weights_only=True` unpickles data, which can run code; "
                            "pass `weights_only=True` (or train from the tensors you are given).")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if any(k.arg == "weights_only" and isinstance(k.value, ast.Constant) and k.value.value is True
               for k in node.keywords):
            self.safe_loads.add(id(func))
        if isinstance(func, ast.Name) and func.id in BLOCKED_CALLS:
            self.flag(node, f"`{func.id}()` {BLOCKED_CALLS[func.id]}; write the code out instead.")
        if isinstance(func, ast.Name) and func.id in {"getattr", "setattr", "delattr", "hasattr"} and len(node.args) >= 2:
            arg = node.args[1]
            if not isinstance(arg, ast.Constant) or not isinstance(arg.value, str):
                self.flag(node, f"`{func.id}` with a computed attribute name is not allowed; use the attribute directly.")
            elif not arg.value.isascii() or (arg.value.startswith("__") and arg.value not in ALLOWED_DUNDERS) or (
                arg.value in BLOCKED_ATTRIBUTES
            ):
                self.flag(node, f"`{func.id}(..., {arg.value!r})` reaches into Python's internals; remove it.")
        if isinstance(func, ast.Attribute) and func.attr == "format" and isinstance(func.value, ast.Constant) and (
            isinstance(func.value.value, str) and re.search(r"\{[^}]*[.\[]", func.value.value)
        ):
            self.flag(node, "format strings that reach into attributes or items (like `{0.x}` or `{0[k]}`) are "
                            "not allowed; use an f-string with the values you need.")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and "{" in node.value and re.search(r"\{[^}]*(\.__|\[__)", node.value):
            self.flag(node, "format strings that reach into attributes like `{0.__class__}` are not allowed.")


def check_source(source: str) -> list[Violation]:
    """Violations in a learner's source; an empty list means the lint layer lets it through."""
    if len(source.encode("utf-8")) > MAX_SOURCE_BYTES:
        return [Violation(0, f"the file is over {MAX_SOURCE_BYTES // 1000} KB; challenges need far less.")]
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [Violation(exc.lineno or 0, f"syntax error: {exc.msg}")]
    visitor = _Visitor()
    visitor.visit(tree)
    found = {(v.line, v.message): v for v in _restricted_findings(source) + visitor.violations}
    return sorted(found.values(), key=lambda v: (v.line, v.message))
