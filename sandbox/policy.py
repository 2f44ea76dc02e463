"""The lint layer: an early, friendly filter over the learner's source. Never the boundary.

It refuses the well-known Python escape routes (object-graph walks, frames, format-string
traversal, native-code loaders) with a message a learner can act on, and lets idiomatic PyTorch
through. The kernel-level sandbox assumes the code got past this anyway.
"""

from __future__ import annotations

import ast
from dataclasses import asdict, dataclass

BLOCKED_MODULES = {
    "ctypes": "loads native code",
    "cffi": "loads native code",
    "subprocess": "starts programs",
    "multiprocessing": "starts processes",
    "socket": "opens network connections",
    "pickle": "unpickling runs arbitrary code",
    "marshal": "loads raw code objects",
    "gc": "walks every object in the interpreter",
    "inspect": "reaches into frames and other code",
    "importlib": "imports modules dynamically",
    "sys": "reaches into the interpreter",
    "builtins": "rewrites the builtins",
    "pty": "starts programs",
    "signal": "installs signal handlers",
    "torch.utils.cpp_extension": "compiles native code",
    "torch.hub": "downloads code and weights",
    "numpy.ctypeslib": "loads native code",
}
BLOCKED_ATTRIBUTES = {
    "__subclasses__", "__globals__", "__builtins__", "__code__", "__closure__", "__bases__", "__mro__",
    "__base__", "__dict__", "__getattribute__", "__reduce__", "__reduce_ex__", "__loader__", "__spec__",
    "gi_frame", "gi_code", "cr_frame", "ag_frame", "f_back", "f_globals", "f_locals", "f_builtins",
    "tb_frame", "tb_next", "co_code", "load_library", "load_inline", "from_file", "_exit", "system",
    "popen", "fork", "execv", "execve", "spawnv", "posix_spawn", "format_map",
}
BLOCKED_CALLS = {"eval", "exec", "compile", "__import__", "globals", "vars", "breakpoint", "open_code"}
MAX_SOURCE_BYTES = 50_000


@dataclass(frozen=True)
class Violation:
    line: int
    message: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class _Visitor(ast.NodeVisitor):
    def __init__(self) -> None:
        self.violations: list[Violation] = []

    def flag(self, node: ast.AST, message: str) -> None:
        self.violations.append(Violation(getattr(node, "lineno", 0), message))

    def _check_module(self, node: ast.AST, name: str) -> None:
        for blocked, why in BLOCKED_MODULES.items():
            if name == blocked or name.startswith(blocked + "."):
                self.flag(node, f"`{name}` is not available in challenges: it {why}. "
                                "Use torch, numpy and the standard library's maths and data tools.")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self._check_module(node, module)
        for alias in node.names:
            self._check_module(node, f"{module}.{alias.name}")
            if alias.name in BLOCKED_ATTRIBUTES:
                self.flag(node, f"importing `{alias.name}` is not allowed in challenges.")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in BLOCKED_ATTRIBUTES:
            self.flag(node, f"`.{node.attr}` reaches into the interpreter's internals, which "
                            "challenges don't need; remove it.")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in BLOCKED_CALLS:
            self.flag(node, f"`{node.func.id}()` runs or inspects code dynamically; write the code out instead.")
        if isinstance(node.func, ast.Name) and node.func.id in {"getattr", "setattr", "delattr"}:
            if len(node.args) >= 2 and not isinstance(node.args[1], ast.Constant):
                self.flag(node, f"`{node.func.id}` with a computed attribute name is not allowed; "
                                "use the attribute directly.")
            elif len(node.args) >= 2 and isinstance(node.args[1].value, str) and (
                node.args[1].value in BLOCKED_ATTRIBUTES
            ):
                self.flag(node, f"`{node.func.id}(..., {node.args[1].value!r})` reaches into internals.")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and "{" in node.value and (".__" in node.value or "[__" in node.value):
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
    return visitor.violations
