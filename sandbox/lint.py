"""The lint layer: an early, friendly filter over the learner's source. Never the boundary.

Two passes. RestrictedPython's transformer (``compile_restricted_exec``, used in report-only
mode: its errors are collected, its code is never run) knows the pyjail escape routes: dunder
attributes, ``gi_frame``/``f_back``-style frame names, ``except*``, guard-name shadowing. Out of
the box it also rejects idiomatic PyTorch (``super().__init__()``, ``def __len__``, ``self._x``), so
its findings are tuned: the dunder protocol methods a model or dataset defines, ``__name__``/
``__main__`` and ``__version__``, and single-underscore names pass; everything else it reports
is kept, reworded so a learner can act on it. Augmented assignment to attributes and items
(``self.steps += 1``, ``d["k"] += x``) passes too: RestrictedPython refuses it only because its
runtime guards cannot wrap it, and its code never runs here. A second AST pass adds what
RestrictedPython does not know about: the import allow-list, modules reached through another
module's attributes (``torch.os``, ``np.sys``), native-code loaders (``ctypes``, ``load_library``,
``cpp_extension``), pickles (``torch.load``), dynamic code (``eval``/``exec``, ``getattr`` with a
dunder or blocked name, literal or built from literals) and format-string traversal
(``"{0.__class__}"``; format specs such as ``"{:.4f}"`` are fine).

Every finding has a severity: ``error`` findings reject the submission; ``warning`` findings
(``torch.load`` without an explicit ``weights_only=True``, which torch 2.6+ already defaults to)
are advice shown next to the verdict. ``check_source`` returns both; callers that reject must
look at errors only. The kernel-level sandbox assumes code got past this.
"""

from __future__ import annotations

import ast
import re
import string
import warnings
from dataclasses import asdict, dataclass
from typing import Literal

ALLOWED_DUNDERS = {
    "__init__", "__len__", "__getitem__", "__setitem__", "__call__", "__iter__", "__next__",
    "__repr__", "__str__", "__enter__", "__exit__", "__contains__", "__post_init__", "__name__",
    "__main__", "__version__", "__add__", "__sub__", "__mul__", "__truediv__", "__matmul__",
    "__neg__", "__eq__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__bool__", "__doc__",
    "__future__", "__all__", "__slots__", "__annotations__", "__constants__",
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
#: Modules a challenge may grant its learners on top of ``ALLOWED_IMPORTS`` (``lint_allow`` in its
#: challenge.toml) because its contract needs them: C2.3 reads cgroup files and ``os.cpu_count()``;
#: the SageMaker/Azure ML challenges (C8.x) read SM_* variables with ``os``, parse ``--epochs`` with
#: ``argparse``, decode request bodies with ``io.BytesIO`` and may use the inference toolkit's own
#: ``sagemaker_inference`` decoders, as the cloud providers' samples do.
#: A grant lifts the import rule for that module only: blocked attributes (``os.system``,
#: ``os.fork``...) and blocked calls stay refused, and the kernel sandbox stays the boundary.
GRANTABLE_IMPORTS = frozenset({"os", "pathlib", "glob", "io", "argparse", "sagemaker_inference"})
#: Modules that are no business of a challenge, when reached as an attribute of another module
#: (``torch.os``, ``torch.serialization.os``, ``np.sys``): libraries import them for their own use.
#: Not ``signal`` or ``multiprocessing``: ``torch.signal`` and ``torch.multiprocessing`` are torch's own.
INTERNAL_MODULES = {
    "os", "sys", "ctypes", "importlib", "builtins", "subprocess", "pickle", "marshal", "gc", "inspect",
    "socket", "shutil", "cffi", "urllib", "http",
}
#: Strings that only ever serve to reach interpreter internals through ``getattr`` and friends.
INTERNAL_NAMES = {
    "__class__", "__bases__", "__base__", "__mro__", "__subclasses__", "__globals__", "__builtins__",
    "__code__", "__closure__", "__dict__", "__import__", "__getattribute__", "__reduce__", "__reduce_ex__",
    "__loader__", "__spec__", "__self__", "__func__", "__traceback__", "__objclass__", "__defaults__",
    "__kwdefaults__", "gi_frame", "gi_code", "cr_frame", "ag_frame", "f_back", "f_globals", "f_locals",
    "f_builtins", "tb_frame", "co_code",
}
ATTRIBUTE_BUILTINS = {"getattr", "setattr", "delattr", "hasattr"}
MAX_SOURCE_BYTES = 50_000
_RP_LINE = re.compile(r'^Line (\d+|None): (.*)$', re.S)
_RP_NAME = re.compile(r'"([^"]+)" is an invalid (attribute|variable) name')


Severity = Literal["error", "warning"]
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Violation:
    line: int
    message: str
    severity: Severity = "error"  # "warning": advice only, never a reason to reject

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

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
        elif text.startswith("Augmented assignment of"):
            continue  # `self.steps += 1`, `d["k"] += x`: refused only for RestrictedPython's runtime guards
        elif "is a restricted name" in text:
            text = text.replace(", that is forbidden to access in RestrictedPython", "") + \
                " It walks frames or code objects; challenges never need it."
        elif "not allowed" in text:
            text += " Rewrite it with plain functions, loops and try/except."
        found.append(Violation(line, text.strip()))
    return found


def _format_traverses(text: str, depth: int = 0) -> bool:
    """Whether a ``str.format`` template reads attributes or items (``{0.x}``, ``{0[k]}``), also
    in nested specs (``{:{0.x}}``). Format specs themselves (``{:.4f}``, ``{:>8}``) are fine."""
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError:  # str.format refuses it too; judge it by the old, cruder rule
        return bool(re.search(r"\{[^}]*[.\[]", text))
    for _literal, field, spec, _conversion in parsed:
        if field is not None and re.search(r"[.\[]", field):
            return True
        if spec and depth < 2 and _format_traverses(spec, depth + 1):
            return True
    return False


def _static_str(node: ast.AST) -> str | None:
    """The value of a string expression built only from literals (``'sys' + 'tem'``), else None."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _static_str(node.left), _static_str(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            inner = value.value if isinstance(value, ast.FormattedValue) and value.format_spec is None else value
            part = _static_str(inner)
            if part is None:
                return None
            parts.append(part)
        return "".join(parts)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join"
            and len(node.args) == 1 and not node.keywords and isinstance(node.args[0], (ast.List, ast.Tuple))):
        sep = _static_str(node.func.value)
        items = [_static_str(e) for e in node.args[0].elts]
        return None if sep is None or any(i is None for i in items) else sep.join(i for i in items if i is not None)
    return None


def _leading_str(node: ast.AST) -> str | None:
    """The literal text a string expression starts with (``"__"`` in ``f"__{n}__"``), if any."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _leading_str(node.left)
    if isinstance(node, ast.JoinedStr):
        return _leading_str(node.values[0]) if node.values else None
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _chain(node: ast.AST) -> list[str] | None:
    """``a.b.c`` as ``["a", "b", "c"]``; None when the chain does not start at a plain name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _imported_names(tree: ast.AST) -> set[str]:
    """Names bound to imported modules or their members, plus plain aliases (``m = torch.serialization``)."""
    names: set[str] = set()
    aliases: list[tuple[list[str], list[str]]] = []  # (targets, chain of the value)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names if a.name != "*")
        elif isinstance(node, ast.Assign):
            chain = _chain(node.value)
            if chain is not None:
                aliases.append(([t.id for t in node.targets if isinstance(t, ast.Name)], chain))
    for _ in range(3):  # aliases of aliases, a few deep
        for targets, chain in aliases:
            if chain[0] in names:
                names.update(targets)
    return names


TORCH_LOAD_MODULES = ("torch", "torch.serialization")


def _torch_load_names(tree: ast.AST) -> frozenset[str]:
    """Names that ``from torch import load`` (or ``torch.serialization``, or ``as x``) binds to ``torch.load``."""
    return frozenset({a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and node.module in TORCH_LOAD_MODULES and not node.level for a in node.names if a.name == "load"})


class _Visitor(ast.NodeVisitor):
    def __init__(self, imported: set[str], granted: frozenset[str] = frozenset(),
                 torch_load_names: frozenset[str] = frozenset()) -> None:
        self.granted = granted  # modules this challenge grants (GRANTABLE_IMPORTS only)
        self.torch_load_names = torch_load_names  # bare names bound to torch.load by a from-import
        self.violations: list[Violation] = []
        self.imported = imported  # names that hold a module (or one of its members)
        self.calls_seen: set[int] = set()  # `torch.load` nodes already judged as a call
        self.judged_names: set[int] = set()  # getattr-family name arguments already judged

    def flag(self, node: ast.AST, message: str, severity: Severity = "error") -> None:
        self.violations.append(Violation(getattr(node, "lineno", 0), message, severity))

    def _flag_internal_module(self, node: ast.AST, path: str, module: str) -> None:
        why = BLOCKED_IMPORT_REASONS.get(module, "it reaches into the interpreter")
        self.flag(node, f"`{path}` is the `{module}` module, reached through another module's internals: {why}, "
                        f"which challenges don't need. Use the library's own API (for example `torch.save` or "
                        f"`torch.manual_seed`) instead.")

    def _check_module(self, node: ast.AST, name: str) -> None:
        top = name.split(".")[0]
        if top in self.granted:
            return
        for blocked, why in BLOCKED_IMPORT_REASONS.items():
            if name == blocked or name.startswith(blocked + "."):
                self.flag(node, f"`import {name}` is not available in challenges: {why}. "
                                "Use torch, numpy and the standard library's maths and data tools.")
                return
        if top not in ALLOWED_IMPORTS:
            self.flag(node, f"`import {name}` is not available in challenges; allowed modules are "
                            "torch, torchvision, torchaudio, numpy and " + ", ".join(sorted(ALLOWED_IMPORTS - {
                                "torch", "torchvision", "torchaudio", "numpy", "__future__"})) + ".")
            return
        inner = [part for part in name.split(".")[1:] if part in INTERNAL_MODULES]
        if inner:
            self._flag_internal_module(node, name, inner[0])

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:
            self.flag(node, "relative imports are not available: a submission is a single file. "
                            "Import from the package by its full name (`from torchvision.models import resnet18`).")
        else:
            self._check_module(node, module)
            for alias in node.names:
                full = f"{module}.{alias.name}"
                if any(full == b or full.startswith(b + ".") for b in BLOCKED_IMPORT_REASONS):
                    self._check_module(node, full)
                elif alias.name in BLOCKED_ATTRIBUTES:
                    self.flag(node, f"importing `{alias.name}` is not allowed in challenges: it "
                                    f"{BLOCKED_ATTRIBUTES[alias.name]}.")
                elif alias.name in INTERNAL_MODULES and module.split(".")[0] in ALLOWED_IMPORTS:
                    self._flag_internal_module(node, full, alias.name)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in BLOCKED_ATTRIBUTES:
            self.flag(node, f"`.{node.attr}` {BLOCKED_ATTRIBUTES[node.attr]}, which challenges don't need; remove it.")
        chain = _chain(node)
        if node.attr in INTERNAL_MODULES and chain is not None and chain[0] in self.imported:
            self._flag_internal_module(node, ".".join(chain), node.attr)
        if node.attr == "hub" and isinstance(node.value, ast.Name) and node.value.id == "torch":
            self.flag(node, "`torch.hub` downloads code and weights, which challenges don't allow; build the model yourself.")
        if node.attr == "load" and isinstance(node.value, ast.Name) and node.value.id == "torch" and (
            id(node) not in self.calls_seen
        ):
            self.flag(node, "`torch.load` passed around uncalled may unpickle data, which can run code; call it "
                            "directly as `torch.load(path, weights_only=True)`.", "warning")
        self.generic_visit(node)

    def _check_torch_load(self, node: ast.Call) -> None:
        func = node.func
        is_attribute = (isinstance(func, ast.Attribute) and func.attr == "load" and isinstance(func.value, ast.Name)
                        and func.value.id == "torch")
        if not (is_attribute or (isinstance(func, ast.Name) and func.id in self.torch_load_names)):
            return
        self.calls_seen.add(id(func))
        given = [k.value for k in node.keywords if k.arg == "weights_only"]
        if given and isinstance(given[0], ast.Constant) and given[0].value is True:
            return
        if given and isinstance(given[0], ast.Constant):
            self.flag(node, "`torch.load(..., weights_only=False)` unpickles the file, and unpickling can run any "
                            "code; load tensors and state dicts with `weights_only=True`.")
            return
        self.flag(node, "`torch.load` without `weights_only=True`: torch 2.6 and later load weights only by default, "
                        "but older versions unpickle the file, which can run code. Write "
                        "`torch.load(path, weights_only=True)` to be safe everywhere.", "warning")

    def _check_attribute_builtin(self, node: ast.Call, func: str) -> None:
        target, arg = node.args[0], node.args[1]
        self.judged_names.add(id(arg))
        name = _static_str(arg)
        if name is None:  # computed from variables: `getattr(nn, name)`, `setattr(self, f"fc{i}", ...)` are fine
            if (_leading_str(arg) or "").startswith("__"):
                self.flag(node, f"`{func}` with an attribute name built to start with `__` reaches into Python's "
                                "internals; use the attribute directly.")
            return
        if not name.isascii() or (name.startswith("__") and name not in ALLOWED_DUNDERS) or (
            name in BLOCKED_ATTRIBUTES
        ):
            self.flag(node, f"`{func}(..., {name!r})` reaches into Python's internals; remove it.")
            return
        chain = _chain(target)
        if name in INTERNAL_MODULES and chain is not None and chain[0] in self.imported:
            self._flag_internal_module(node, ".".join([*chain, name]), name)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        self._check_torch_load(node)
        if isinstance(func, ast.Name) and func.id in BLOCKED_CALLS:
            self.flag(node, f"`{func.id}()` {BLOCKED_CALLS[func.id]}; write the code out instead.")
        if isinstance(func, ast.Name) and func.id in ATTRIBUTE_BUILTINS and len(node.args) >= 2:
            self._check_attribute_builtin(node, func.id)
        if isinstance(func, ast.Attribute) and func.attr == "format" and isinstance(func.value, ast.Constant) and (
            isinstance(func.value.value, str) and _format_traverses(func.value.value)
        ):
            self.flag(node, "format strings that reach into attributes or items (like `{0.x}` or `{0[k]}`) are "
                            "not allowed; use an f-string with the values you need.")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, str):
            return
        if "{" in node.value and re.search(r"\{[^}]*(\.__|\[__)", node.value):
            self.flag(node, "format strings that reach into attributes like `{0.__class__}` are not allowed.")
        elif node.value in INTERNAL_NAMES and id(node) not in self.judged_names:
            self.flag(node, f"the string {node.value!r} names an interpreter internal (with `getattr` it reaches "
                            "classes, globals or frames), which challenges don't need; remove it.")


def check_source(source: str, granted: frozenset[str] | set[str] = frozenset()) -> list[Violation]:
    """Every finding in a learner's source, errors and warnings; no errors means the lint lets it through.
    ``granted``: modules the challenge's contract needs (its ``lint_allow``); only names in
    ``GRANTABLE_IMPORTS`` count, whatever else is passed."""
    if len(source.encode("utf-8")) > MAX_SOURCE_BYTES:
        return [Violation(0, f"the file is over {MAX_SOURCE_BYTES // 1000} KB; challenges need far less.")]
    try:
        tree = ast.parse(source)
        visitor = _Visitor(_imported_names(tree), frozenset(granted) & GRANTABLE_IMPORTS,
                           _torch_load_names(tree))
        visitor.visit(tree)
        found = {(v.line, v.message): v for v in _restricted_findings(source) + visitor.violations}
    except SyntaxError as exc:
        return [Violation(exc.lineno or 0, f"syntax error: {exc.msg}")]
    except (RecursionError, MemoryError):  # a 24 KB `1+1+...` makes the parser recurse: refuse, don't crash
        return [Violation(0, "the file nests too deeply to check (an expression or brackets thousands of levels "
                             "deep); split it into smaller statements.")]
    return sorted(found.values(), key=lambda v: (v.line, v.message))


def lint_errors(source: str) -> list[Violation]:
    """The findings that reject a submission."""
    return [v for v in check_source(source) if v.is_error]


def lint_warnings(source: str) -> list[Violation]:
    """The findings that are advice only (shown with the verdict, never a rejection)."""
    return [v for v in check_source(source) if not v.is_error]
