"""C1.1 install-command: the reference passes every case, the starter and the known-bad files get
their verdicts, hostile return values fail cleanly, and the version data it reads is consistent."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import random
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from challenges.catalogue import Case
from challenges.content.install_command import hooks
from challenges.errors import CatalogueError
from challenges.kinds.base import Call, CallResult
from challenges.verdict import MAX_CHECK_MESSAGE, Check, Evaluation
from challenges.versions import VERSIONS_PATH, load_versions, parse_version_tuple, parse_versions

FOLDER = Path(hooks.__file__).parent
CASES = [Case(**c) for c in tomllib.loads((FOLDER / "cases" / "cases.toml").read_text(encoding="utf-8"))["case"]]
SEEDS = (0, 1, 2)
RULES = {
    "linux-cpu", "linux-arm64-cpu", "linux-cuda-exact", "linux-cuda-between", "linux-cuda-newer",
    "linux-cuda-older", "linux-rocm", "windows-cuda", "windows-cpu", "macos-mps", "macos-cpu",
}


def load(path: Path) -> ModuleType:
    """Import one of our own learner-style files from its path."""
    spec = importlib.util.spec_from_file_location(f"install_command_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(module: ModuleType, calls: list[Call]) -> dict[str, CallResult]:
    """Call pip_command the way the sandbox does: an exception becomes the call's error."""
    results: dict[str, CallResult] = {}
    for call in calls:
        try:
            results[call.id] = CallResult(value=module.pip_command(*call.args, **call.kwargs))
        except Exception as exc:
            results[call.id] = CallResult(error=f"{type(exc).__name__}: {exc}")
    return results


def grade(module: ModuleType, seed: int) -> list[Check]:
    calls = hooks.calls(random.Random(seed))
    return hooks.judge(calls, run(module, calls))


def gating(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks if not c.warning}


# --- the cases -------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_calls_cover_every_rule(seed: int) -> None:
    calls = hooks.calls(random.Random(seed))
    assert {c.id for c in calls} == RULES and len(calls) == len(RULES)
    assert all(c.function == "pip_command" and len(c.args) == 1 for c in calls)
    json.dumps([c.args for c in calls])  # plain JSON: it crosses into the sandbox
    for call in calls:
        platform = call.args[0]
        assert platform["os"] in ("linux", "windows", "macos")
        assert platform["accelerator"] in ("cpu", "cuda", "rocm", "mps")


def test_rng_varies_versions_not_rules() -> None:
    seen = {str(hooks.calls(random.Random(s))) for s in range(8)}
    assert len(seen) > 1
    tags = {s: {c.id: hooks.expected_tag(c.args[0]) for c in hooks.calls(random.Random(s))} for s in range(8)}
    assert all(t["linux-cuda-newer"] == "cu132" and t["linux-cuda-older"] == "cpu" for t in tags.values())
    assert all(t["macos-mps"] is None and t["linux-rocm"] == "rocm7.2" for t in tags.values())


def test_driver_table_maps_newest_wheel_at_most_the_driver() -> None:
    assert hooks.driver_table() == [
        ("older than 12.6", "cpu"), ("12.6 to below 12.8", "cu126"), ("12.8 to below 13.0", "cu128"),
        ("13.0 to below 13.2", "cu130"), ("13.2 or newer", "cu132"),
    ]
    linux = {"os": "linux", "arch": "x86_64", "accelerator": "cuda"}
    for driver, tag in [("12.8", "cu128"), ("12.9", "cu128"), ("13.1", "cu130"), ("14.0", "cu132"), ("12.4", "cpu"),
                        ("12.10", "cu128"), ("nonsense", "cpu")]:
        assert hooks.expected_tag({**linux, "cuda_version": driver}) == tag, driver


# --- calibration: reference, starter, known cases --------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_reference_passes_every_case(seed: int) -> None:
    checks = grade(load(FOLDER / "reference.py"), seed)
    assert Evaluation(checks).passed
    assert set(gating(checks)) == RULES
    assert not [c for c in checks if c.warning], "the reference earns no warnings"


def test_starter_fails() -> None:
    checks = grade(load(FOLDER / "starter.py"), 0)
    assert not Evaluation(checks).passed
    assert all(not c.passed for c in gating(checks).values())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("seed", SEEDS)
def test_case_gets_its_verdict(case: Case, seed: int) -> None:
    path = FOLDER / "cases" / case.file
    calls = hooks.calls(random.Random(seed))
    if case.expected == "timeout":  # it would hang here too: the sandbox stops it at the deadline
        assert "while True" in path.read_text(encoding="utf-8")
        checks = hooks.judge(calls, {c.id: CallResult(error="TimeoutError: the call did not return") for c in calls})
    elif case.expected in ("error", "rejected"):  # the module never loads (the lint refuses it first): no call runs
        with pytest.raises(Exception):  # noqa: B017 - any import-time failure is the point
            load(path)
        checks = hooks.judge(calls, {c.id: CallResult(error="ModuleNotFoundError: no module") for c in calls})
    else:
        checks = hooks.judge(calls, run(load(path), calls))
    assert Evaluation(checks).passed == (case.expected == "passed"), [c.message for c in checks if not c.passed]
    by_name = gating(checks)
    for name in case.fails:
        assert not by_name[name].passed, name


def test_extra_index_url_is_a_warning() -> None:
    checks = grade(load(FOLDER / "cases" / "extra_index_cpu.py"), 0)
    warnings = [c for c in checks if c.warning]
    assert [c.name for c in warnings] == ["extra-index-url"]
    assert "linux-cpu" in warnings[0].message and Evaluation(checks).passed


# --- reading commands --------------------------------------------------------------------------------

LINUX_129 = {"os": "linux", "arch": "x86_64", "accelerator": "cuda", "cuda_version": "12.9", "rocm_version": None}
WINDOWS_CPU = {"os": "windows", "arch": "AMD64", "accelerator": "cpu"}
MACOS = {"os": "macos", "arch": "arm64", "accelerator": "mps", "cuda_version": None}
PINS = "torch==2.14.1 torchvision==0.29.1"
CU128 = "https://download.pytorch.org/whl/cu128"


def one(platform: dict[str, Any], value: object) -> list[Check]:
    return hooks.judge([Call(id="case", function="pip_command", args=(platform,))], {"case": CallResult(value=value)})


@pytest.mark.parametrize("command", [
    f"pip install {PINS} --index-url {CU128}",
    f"pip3 install --index-url {CU128} {PINS}",
    f"python -m pip install {PINS} -i {CU128}/",
    f"python3 -m pip install --no-cache-dir --index-url={CU128} {PINS}",
    f"pip install -U torch==2.14.0 torchvision==0.29.2 torchaudio==2.11.1 --index-url {CU128}",
    f"pip install torch==2.14.1+cu128 'torchvision==0.29.1+cu128' --index-url {CU128}",
    f"pip install \\\n  {PINS} \\\n  --index-url {CU128}",
    f".venv/bin/pip install {PINS} --index-url {CU128}  # CUDA 12.9 driver",
])
def test_accepted_forms(command: str) -> None:
    (check,) = one(LINUX_129, command)
    assert check.passed, check.message


@pytest.mark.parametrize(("command", "why"), [
    (f"pip install {PINS} --index-url https://download.pytorch.org/whl/cu129", "no torch 2.14 wheels"),
    (f"pip install {PINS} --index-url https://download.pytorch.org/whl/cu130", "wrong build"),
    (f"pip install {PINS}", "no --index-url"),
    (f"pip install torch==2.14.* torchvision==0.29.1 --index-url {CU128}", "range, not a pin"),
    (f"pip install torch==2.14.1+cpu torchvision==0.29.1 --index-url {CU128}", "+cpu build"),
    (f"pip install torch==2.14.7 torchvision==0.29.1 --index-url {CU128}", "never published"),
    (f"pip install torch==2.13.0 torchvision==0.28.0 --index-url {CU128}", "2.13 series"),
    (f"pip install torch==2.14.1 --index-url {CU128}", "torchvision missing"),
    (f"pip install {PINS} --index-url {CU128} && python -c 'import torch'", "shell operator"),
    (f"pip install {PINS} --index-url {CU128} --extra-index-url https://download.pytorch.org/whl/cpu", "second PyTorch index"),
    (f"pip install {PINS} --index-url http://download.pytorch.org/whl/cu128", "not PyTorch's wheel index"),
    (f"pip install -r requirements.txt --index-url {CU128}", "requirements file"),
    (f"pip install {PINS} --index-url {CU128} --index-url {CU128}", "two --index-url"),
    (f"sudo pip install {PINS} --index-url {CU128}", "sudo"),
    (f"conda install {PINS}", "not pip"),
    (f"!pip install {PINS} --index-url {CU128}", "notebook"),
    (f"pip download {PINS} --index-url {CU128}", "must be `install`"),
    (f"pip install torch torch==2.14.1 torchvision==0.29.1 --index-url {CU128}", "listed twice"),
    ("pip install https://download.pytorch.org/whl/cu128/torch-2.14.1%2Bcu128-cp311-cp311-linux_x86_64.whl", "file or URL"),
    (f"pip install {PINS} --index-url", "needs a value"),
])
def test_rejected_with_a_reason(command: str, why: str) -> None:
    (check, *_) = one(LINUX_129, command)
    assert not check.passed and why in check.message, check.message


def test_windows_cpu_may_use_pypi_but_macos_must() -> None:
    assert one(WINDOWS_CPU, f"pip install {PINS}")[0].passed
    assert one(WINDOWS_CPU, f"pip install {PINS} --index-url https://download.pytorch.org/whl/cpu")[0].passed
    assert not one(WINDOWS_CPU, f"pip install {PINS} --index-url https://download.pytorch.org/whl/rocm7.2")[0].passed
    assert one(MACOS, f"pip install {PINS}")[0].passed
    check = one(MACOS, f"pip install {PINS} --index-url https://download.pytorch.org/whl/cpu")[0]
    assert not check.passed and "no index URL on macOS" in check.message
    assert not one(MACOS, "pip install torch==2.14.1+cpu torchvision==0.29.1")[0].passed


def test_other_packages_on_the_pytorch_index_warn() -> None:
    checks = one(LINUX_129, f"pip install {PINS} numpy --index-url {CU128}")
    assert checks[0].passed and [c.name for c in checks if c.warning] == ["other-packages"]


# --- hostile results ---------------------------------------------------------------------------------

HOSTILE: list[object] = [
    "x" * 10_000_000,
    "pip install " + "torch==2.14.1 " * 200,
    b"pip install torch==2.14.1 torchvision==0.29.1",
    np.frombuffer(b"pip install torch", dtype=np.uint8),
    None, ["pip", "install", "torch"], {"cmd": "pip install torch"}, 42, float("nan"), True,
    f"pip install {PINS} --index-url {CU128}\x00",
    f"\x1b[31mpip install {PINS} --index-url {CU128}\x1b[0m",
    f"pip install 'torch==2.14.1 torchvision==0.29.1 --index-url {CU128}",
    f"pip install {PINS} --index-url {CU128} \\",
    f"pip install {PINS}\npip install --index-url {CU128} torch",
    "", "   ", "pip", "pip install", "pip install ===", "pip install torch[", "pip install 'torch @ file:///etc/passwd'",
    "pip install torch==2.14.1 torchvision==0.29.1 --index-url `rm -rf /` @everyone",
    "pip install torch==2.14.1\u200b torchvision==0.29.1",
    "pip install torch==" + "9" * 1500,
]


@pytest.mark.parametrize("value", HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_hostile_results_fail_without_raising(value: object) -> None:
    calls = hooks.calls(random.Random(0))
    checks = hooks.judge(calls, {c.id: CallResult(value=value) for c in calls})
    cases = gating(checks)
    assert set(cases) == RULES and not any(c.passed for c in cases.values())
    for check in checks:
        assert len(check.message) <= MAX_CHECK_MESSAGE
        assert all(ch.isprintable() for ch in check.message), check.message
        assert "`rm" not in check.message


def test_errors_and_missing_results_fail_their_case() -> None:
    calls = hooks.calls(random.Random(0))
    results = {c.id: CallResult(error="KeyError: 'cuda_version'") for c in calls[:3]}
    cases = gating(hooks.judge(calls, results))
    assert all("raised `KeyError" in cases[c.id].message for c in calls[:3])
    assert all("no result" in cases[c.id].message for c in calls[3:])
    weird: dict[str, Any] = {c.id: "not a CallResult" for c in calls}
    assert not any(c.passed for c in hooks.judge(calls, weird))


def test_a_long_error_is_bounded() -> None:
    calls = hooks.calls(random.Random(0))
    checks = hooks.judge(calls, {c.id: CallResult(error="E" * 100_000 + "\x1b[2J") for c in calls})
    assert all(len(c.message) <= MAX_CHECK_MESSAGE and c.message.isprintable() for c in checks)


# --- the statement and hints cite the version data -------------------------------------------------


def test_statement_and_hints() -> None:
    statement = (FOLDER / "statement.md").read_text(encoding="utf-8")
    data = load_versions()
    assert statement.startswith("# ")
    assert str(data.updated) in statement and f"torch {data.latest.torch}" in statement
    table = "\n".join("   " + line for line in hooks.render_driver_table().splitlines())
    assert table in statement, "regenerate the statement's driver table from hooks.render_driver_table()"
    raw = tomllib.loads((FOLDER / "challenge.toml").read_text(encoding="utf-8"))
    assert len(raw["hints"]) == 3
    urls = {r["url"] for r in raw["resources"]}
    assert {"https://pytorch.org/get-started/locally/", "https://pytorch.org/get-started/previous-versions/"} <= urls
    assert all(u.startswith("https://") for u in urls)
    for _, tag in hooks.driver_table():
        assert tag in raw["hints"][1] or tag == "cpu"


def test_cases_files_exist() -> None:
    assert {c.expected for c in CASES} >= {"passed", "failed", "rejected", "timeout"}
    for case in CASES:
        assert (FOLDER / "cases" / case.file).is_file(), case.file


# --- the version data --------------------------------------------------------------------------------


def test_version_file_loads_with_its_date() -> None:
    data = load_versions()
    assert data.updated == dt.date(2026, 12, 1)
    assert load_versions() is data  # cached
    assert data.url("cu128") == "https://download.pytorch.org/whl/cu128"
    assert data.latest.torch == "2.14" and data.latest.latest_torch == "2.14.1"
    assert data.platforms["macos"].index == "forbidden" and data.platforms["linux"].index == "required"
    assert data.pypi_build("linux", data.latest) == "cu130" and data.pypi_build("windows", data.latest) == "cpu"


def test_version_pairs_are_consistent() -> None:
    data = load_versions()
    minors = [r.key for r in data.releases]
    assert [(2, m) for m in range(5, 15)] == [k for k in minors if (2, 5) <= k <= (2, 14)]
    for release in data.releases:
        major, minor = release.key
        assert parse_version_tuple(release.torchvision) == (0, minor + 15), release.torch
        assert all(v.startswith(f"{major}.{minor}.") for v in release.torch_versions)
        assert all(v.startswith(release.torchvision + ".") for v in release.torchvision_versions)
        assert release.cuda_tag_for("99.0") == release.cuda_wheels()[-1][1]
        assert "cpu" in release.tags_for("linux") and not any(t.startswith("rocm") for t in release.tags_for("windows"))
    # what this machine really runs: torch 2.14.1, torchvision 0.29.1, torchaudio 2.11.1
    latest = data.release("2.14.1")
    assert latest is not None and "0.29.1" in latest.torchvision_versions and "2.11.1" in latest.torchaudio_versions
    assert not latest.torchaudio_paired


@pytest.mark.parametrize("text", [
    "",
    "updated = 2026-12-01",
    VERSIONS_PATH.read_text(encoding="utf-8").replace("updated = 2026-12-01", "updated = 'soon'"),
    VERSIONS_PATH.read_text(encoding="utf-8") + "\nsurprise = 1\n",
    VERSIONS_PATH.read_text(encoding="utf-8").replace('cuda = ["cu126", "cu128", "cu130", "cu132"]', 'cuda = ["cuda12"]', 1),
    VERSIONS_PATH.read_text(encoding="utf-8").replace('torch_versions = ["2.14.0", "2.14.1"]', 'torch_versions = ["2.13.9"]'),
    VERSIONS_PATH.read_text(encoding="utf-8").replace("{tag}", "{t}"),
    "updated = [not toml",
])
def test_malformed_version_data_is_a_catalogue_error(text: str) -> None:
    with pytest.raises(CatalogueError):
        parse_versions(text)


def test_missing_version_file_is_a_catalogue_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError):
        load_versions(tmp_path / "absent.toml")
