"""The lint layer on its own (no sandbox): what it still flags, its severities, and its two callers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sandbox_attacks import ATTACKS

from sandbox.lint import Violation, check_source, lint_errors, lint_warnings

if TYPE_CHECKING:
    from challenges.catalogue import Challenge

ROOT = Path(__file__).resolve().parents[2]
BARE_LOAD = "import torch\nstate = torch.load('/tmp/model.pt')\nprint(sorted(state))\n"


def errors(source: str) -> list[str]:
    return [v.message for v in check_source(source) if v.severity == "error"]


# --- modules reached through another module's attributes ------------------------------------------

@pytest.mark.parametrize(("source", "path", "module"), [
    ("import torch\ntorch.os.system('true')\n", "torch.os", "os"),
    ("import numpy as np\nprint(np.sys.modules)\n", "np.sys", "sys"),
    ("import torch\ntorch.builtins.exec('print(1)')\n", "torch.builtins", "builtins"),
    ("import torch\nprint(torch.serialization.os.environ)\n", "torch.serialization.os", "os"),
    ("from torch import nn\nnn.modules.module.sys.exit(0)\n", "nn.modules.module.sys", "sys"),
    ("import torch.nn as nn\nlib = nn.functional.ctypes.CDLL(None)\n", "nn.functional.ctypes", "ctypes"),
    ("import torchvision\ntorchvision.io.importlib.import_module('x')\n", "torchvision.io.importlib", "importlib"),
    ("import torchaudio\ntorchaudio.utils.subprocess.run(['id'])\n", "torchaudio.utils.subprocess", "subprocess"),
    ("import torch\nm = torch.serialization\nm.os.getcwd()\n", "m.os", "os"),
    ("import torch\nprint(getattr(torch, 'os'))\n", "torch.os", "os"),
    ("import torch\nprint(getattr(torch, 'o' + 's'))\n", "torch.os", "os"),
    ("from torch import os\nos.system('true')\n", "torch.os", "os"),
    ("from torch.serialization import sys as s\n", "torch.serialization.sys", "sys"),
    ("import torch.os\n", "torch.os", "os"),
])
def test_module_valued_attribute_is_flagged(source: str, path: str, module: str) -> None:
    found = errors(source)
    assert any(f"`{path}` is the `{module}` module" in m for m in found), found
    assert any("use the library's own api" in m.lower() for m in found), "the message should say what to do instead"


@pytest.mark.parametrize("source", [
    "class T:\n    def __init__(self):\n        self.os = 'linux'\n        self.sys = 1\nt = T()\nprint(t.os, t.sys)\n",
    "import torch\nprint(torch.multiprocessing.get_start_method(allow_none=True), torch.signal.windows.hann(4))\n",
    "import torch\nprint(torch.nn.modules.module.Module, torch.serialization.save)\n",
    "import torch\nfrom torch import nn\nact = getattr(nn, 'ReLU')()\nprint(getattr(torch, 'float32'))\n",
])
def test_ordinary_attributes_are_not_mistaken_for_modules(source: str) -> None:
    assert check_source(source) == []


@pytest.mark.parametrize("name", ["e_torch_os", "e_serialization_os", "e_torch_sys_modules", "e_torch_builtins_exec",
                                  "e_torch_ctypes", "e_torch_importlib"])
def test_attack_through_module_attribute_is_named(name: str) -> None:
    attack = next(a for a in ATTACKS if a.name == name)
    assert any("module, reached through another module's internals" in m for m in errors(attack.source))


def test_every_lint_attack_has_an_error() -> None:
    """A warning does not reject: each sample the lint must catch needs an error-severity finding."""
    missing = [a.name for a in ATTACKS if a.lint and not errors(a.source)]
    assert not missing


# --- what is still flagged after the false-positive fixes -------------------------------------------

@pytest.mark.parametrize(("source", "needle"), [
    ("f = print\nprint('{0.__globals__}'.format(f))\n", "format strings"),
    ("class O:\n    x = 1\nprint('{0.x}'.format(O()))\n", "format strings"),
    ("print('{0[k]}'.format({'k': 1}))\n", "format strings"),
    ("print('{:{0.real}}'.format(5))\n", "format strings"),
    ("x = 1\nprint(getattr(x, '__cl' + 'ass__'))\n", "__class__"),
    ("import os\nprint(getattr(os, 'sys' + 'tem'))\n", "system"),
    ("x = 1\nn = 'class'\nprint(getattr(x, f'__{n}__'))\n", "`__`"),
    ("x = 1\nn = 'class__'\nprint(getattr(x, '__' + n))\n", "`__`"),
    ("x = 1\nname = '__globals__'\nprint(getattr(x, name))\n", "'__globals__'"),
    ("x = 1\nsetattr(x, '__class__', int)\n", "__class__"),
    ("class A:\n    pass\na = A()\na.__dict__['k'] += 1\n", "__dict__"),
    ("print(().__class__)\n", "__class__"),
])
def test_escape_routes_stay_flagged(source: str, needle: str) -> None:
    found = errors(source)
    assert any(needle in m for m in found), found


@pytest.mark.parametrize("source", [
    "x = 2.0\nprint('{:.4f} {:>8.2e} {:{w}.{p}f}'.format(x, x, x, w=9, p=3))\n",
    "class C:\n    def __init__(self):\n        self.steps = 0\n        self.steps += 1\n",
    "d = {'k': 0}\nd['k'] += 3\nxs = [1, 2]\nxs[0:1] *= 2\n",
    "from torch import nn\nname = 'GELU'\nact = getattr(nn, name)()\n",
    "class M:\n    pass\nm = M()\nfor i in range(2):\n    setattr(m, f'fc{i}', i)\n    delattr(m, 'fc' + str(i))\n",
    "class M:\n    pass\nm = M()\nfor i in range(2):\n    setattr(m, f'block__{i}', i)\n    print(getattr(m, 'block__' + str(i)))\n",
    "class C:\n    x: int = 1\nprint(C.__annotations__)\n",
    "import math\nimport torch\nprint(math.isnan(float('nan')), math.isinf(math.inf), torch.isfinite(torch.tensor(1.0)))\n",
])
def test_idioms_pass(source: str) -> None:
    assert check_source(source) == []


def test_relative_imports_are_refused_with_the_absolute_form() -> None:
    found = errors("from ._api import register_model\n")
    assert found and "full name" in found[0]


# --- severities ---------------------------------------------------------------------------------------

def test_violation_defaults_to_error_and_serialises_severity() -> None:
    v = Violation(3, "x")
    assert v.severity == "error" and v.is_error
    assert v.to_dict() == {"line": 3, "message": "x", "severity": "error"}
    assert Violation(1, "y", "warning").to_dict()["severity"] == "warning"


def test_bare_torch_load_is_a_warning_with_the_fix() -> None:
    found = check_source(BARE_LOAD)
    assert [v.severity for v in found] == ["warning"]
    assert found[0].line == 2 and "weights_only=True" in found[0].message and "2.6" in found[0].message
    assert lint_warnings(BARE_LOAD) == found and lint_errors(BARE_LOAD) == []


@pytest.mark.parametrize(("call", "severity"), [
    ("torch.load(f, weights_only=True)", None),
    ("torch.load(f, map_location='cpu', weights_only=True)", None),
    ("torch.load(f)", "warning"),
    ("torch.load(f, weights_only=flag)", "warning"),
    ("torch.load(f, **kw)", "warning"),
    ("torch.load(f, weights_only=False)", "error"),
    ("torch.load(f, weights_only=None)", "error"),
])
def test_torch_load_severity(call: str, severity: str | None) -> None:
    source = f"import torch\nf, flag, kw = '/tmp/m.pt', True, {{}}\nstate = {call}\n"
    assert [v.severity for v in check_source(source)] == ([severity] if severity else [])


@pytest.mark.parametrize(("imports", "call", "severity"), [
    ("from torch import load", "load(f, weights_only=False)", "error"),
    ("from torch import load as unpickle", "unpickle(f, weights_only=False)", "error"),
    ("from torch.serialization import load", "load(f)", "warning"),
    ("from torch import load", "load(f, weights_only=True)", None),
    ("from numpy import load", "load(f)", None),  # numpy.load refuses pickles unless allow_pickle=True
])
def test_torch_load_imported_by_name_is_judged_like_torch_load(imports: str, call: str, severity: str | None) -> None:
    source = f"{imports}\nf = '/tmp/m.pt'\nstate = {call}\n"
    assert [v.severity for v in check_source(source)] == ([severity] if severity else [])


def test_torch_load_passed_around_is_a_warning() -> None:
    assert [v.severity for v in check_source("import torch\nloader = torch.load\n")] == ["warning"]


def test_errors_and_warnings_are_all_returned() -> None:
    found = check_source(BARE_LOAD + "import subprocess\n")
    assert sorted(v.severity for v in found) == ["error", "warning"]


# --- the callers: precheck and the CLI reject on errors only ---------------------------------------------

def _python_challenge() -> Challenge:
    from challenges.catalogue import load_catalogue

    challenge = next((c for c in load_catalogue() if c.spec.python_file), None)
    if challenge is None:
        pytest.skip("no one-file Python challenge in the catalogue")
    return challenge


def test_precheck_ignores_warnings_and_rejects_errors() -> None:
    from challenges.kinds.base import Submission
    from sandbox.driver import precheck

    challenge = _python_challenge()
    assert precheck(challenge, Submission({"submission.py": BARE_LOAD})) is None
    bad = BARE_LOAD + "import subprocess\n"
    report = precheck(challenge, Submission({"submission.py": bad}))
    assert report is not None and report.status == "rejected"
    assert [c.message for c in report.checks] == [f"line {v.line}: {v.message}" for v in lint_errors(bad)]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", "sandbox", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_sandbox_check_cli_allows_warnings(tmp_path: Path) -> None:
    path = tmp_path / "load.py"
    path.write_text(BARE_LOAD)
    proc = _cli("check", str(path), "--json")
    result = json.loads(proc.stdout)
    assert proc.returncode == 0 and result["allowed"] is True
    assert [v["severity"] for v in result["violations"]] == ["warning"] and result["violations"][0]["line"] == 2
    text = _cli("check", str(path))
    assert text.returncode == 0 and "allowed" in text.stdout and "warning" in text.stdout


def test_sandbox_check_cli_rejects_errors_with_severity(tmp_path: Path) -> None:
    path = tmp_path / "bad.py"
    path.write_text(BARE_LOAD + "import subprocess\n")
    proc = _cli("check", str(path), "--json")
    result = json.loads(proc.stdout)
    assert proc.returncode == 1 and result["allowed"] is False
    assert sorted(v["severity"] for v in result["violations"]) == ["error", "warning"]


def test_sandbox_run_cli_rejects_errors_only(tmp_path: Path) -> None:
    path = tmp_path / "bad.py"
    path.write_text(BARE_LOAD + "import subprocess\n")
    proc = _cli("run", str(path), "--json")
    result = json.loads(proc.stdout)
    assert result["status"] == "rejected" and proc.returncode == 1
    assert {v["severity"] for v in result["violations"]} == {"error", "warning"}


def test_a_challenge_grant_lifts_the_import_rule_for_that_module_only() -> None:
    """``lint_allow`` (C2.3 reads cgroup files): `import os` passes when granted, its dangerous
    attributes stay refused, and a module outside GRANTABLE_IMPORTS cannot be granted."""
    from sandbox.lint import GRANTABLE_IMPORTS

    source = "import os\nfrom pathlib import Path\nn = os.cpu_count()\np = Path('/sys/fs/cgroup')\n"
    assert any(v.is_error for v in check_source(source))
    assert not any(v.is_error for v in check_source(source, {"os", "pathlib"}))
    assert any(v.is_error for v in check_source("import os\nos.system('id')\n", {"os"}))
    assert any(v.is_error for v in check_source("import os\nos.fork()\n", {"os"}))
    assert any(v.is_error for v in check_source("import subprocess\n", {"subprocess", "os"}))
    assert "subprocess" not in GRANTABLE_IMPORTS and "sys" not in GRANTABLE_IMPORTS


def test_the_catalogue_can_grant_exactly_what_the_lint_honours() -> None:
    """challenges may not import the sandbox, so ChallengeSpec.lint_allow spells the grantable
    modules out as a Literal: it must name exactly GRANTABLE_IMPORTS."""
    from typing import get_args

    from challenges.catalogue import ChallengeSpec
    from sandbox.lint import GRANTABLE_IMPORTS

    (literal,) = get_args(ChallengeSpec.model_fields["lint_allow"].annotation)
    assert set(get_args(literal)) == GRANTABLE_IMPORTS
