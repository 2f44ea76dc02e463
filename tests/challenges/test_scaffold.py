"""``tutor challenges new``: every kind's template becomes a folder that loads, validates (the
reference passes, the starter fails, every case gets its verdict) and is held to what the
catalogue's own folders are; bad ids, kinds and existing folders are refused with a message."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import numpy as np
import pytest

from challenges.catalogue import CONTENT_DIR, KIND_NAMES, Challenge, load_catalogue, load_challenge
from challenges.errors import CatalogueError
from challenges.kinds.base import CallResult
from challenges.scaffold import TEMPLATES_DIR, ScaffoldError, new_challenge, template_files
from sandbox.core.job import Limits
from sandbox.core.supervisor import Sandbox
from sandbox.validation import validate_challenge

SEEDS = (1, 2, 3)
MARGIN = 0.05  # design §2.4: the reference clears the threshold by this much


def _scaffold(root: Path, kind: str) -> Challenge:
    folder = new_challenge(root, f"demo-{kind}", kind)
    assert folder == root / f"demo_{kind}"
    return load_challenge(folder)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_new_folder_loads_with_what_its_kind_needs(tmp_path: Path, kind: str) -> None:
    """The assertions of test_challenge_content's per-folder test, on a scaffolded folder."""
    challenge = _scaffold(tmp_path, kind)
    spec = challenge.spec
    folder = challenge.folder
    assert spec.id == f"demo-{kind}" and spec.kind == kind and spec.competency == 5
    assert folder.name == spec.id.replace("-", "_")
    assert challenge.statement.startswith(f"# {spec.title}\n")
    assert all(r.url.startswith("https://") for r in spec.resources) and spec.resources
    text = "".join(p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file())
    assert "TODO(author)" in text
    assert not re.search(r"\{(id|title|competency)\}", text), "every placeholder is filled"
    if kind == "quiz":
        assert len(spec.questions) >= 5 and all(q.explanation for q in spec.questions)
        return
    assert len(spec.hints) >= 3
    assert challenge.reference_files and challenge.starter_files
    assert challenge.pass_lines()
    cases = challenge.cases()
    assert cases
    for case in cases:
        assert (folder / "cases" / case.file).exists(), case.file
    common = challenge.kind.common_cases(challenge)
    assert {c.case.name for c in common}.isdisjoint({c.name for c in cases})
    assert "failed" in {c.expected for c in cases} | {c.case.expected for c in common}


def test_a_folder_under_the_content_root_imports_its_hooks_as_a_package(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`tutor challenges new` writes to challenges/content by default, where hooks import by package
    name: the scaffold's ``__init__.py`` makes that work (shown on a stand-in content root)."""
    import sys

    import challenges.catalogue as catalogue
    import challenges.content

    monkeypatch.setattr(catalogue, "CONTENT_DIR", tmp_path)
    monkeypatch.setattr(challenges.content, "__path__", [*challenges.content.__path__, str(tmp_path)])
    try:
        challenge = load_challenge(new_challenge(tmp_path, "demo-package", "files"))
        assert (challenge.folder / "__init__.py").is_file()
        hooks = challenge.hooks
        assert hooks is not None and hooks.__name__ == "challenges.content.demo_package.hooks"
    finally:
        for name in [m for m in sys.modules if m.startswith("challenges.content.demo_package")]:
            del sys.modules[name]


def test_title_and_competency_are_filled_in(tmp_path: Path) -> None:
    title = 'Edge "detection" with C:\\ paths and {id}'  # quotes, backslashes and braces stay as given
    folder = new_challenge(tmp_path, "edge-detector", "functions", title=title, competency=3)
    challenge = load_challenge(folder)
    assert challenge.spec.title == title and challenge.spec.competency == 3
    assert challenge.statement.startswith(f"# {title}\n")
    default = load_challenge(new_challenge(tmp_path, "edge-detector-2", "quiz"))
    assert default.spec.title == "Edge detector 2"


@pytest.mark.parametrize("bad", ["", "a", "Demo", "demo_x", "-demo", "demo x", "démo", "demo\n", "a" * 42, "../up"])
def test_bad_ids_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ScaffoldError, match="invalid challenge id"):
        new_challenge(tmp_path, bad, "quiz")
    assert list(tmp_path.iterdir()) == []


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match=r"unknown kind 'notebook': choose one of trained, functions, files, quiz"):
        new_challenge(tmp_path, "demo", "notebook")
    assert list(tmp_path.iterdir()) == []


def test_bad_title_and_competency_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="title"):
        new_challenge(tmp_path, "demo", "quiz", title="two\nlines")
    with pytest.raises(ScaffoldError, match="unknown competency 10"):
        new_challenge(tmp_path, "demo", "quiz", competency=10)
    with pytest.raises(ScaffoldError, match="is not a folder"):
        new_challenge(tmp_path / "missing", "demo", "quiz")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_refused_and_kept(tmp_path: Path) -> None:
    folder = new_challenge(tmp_path, "demo-quiz", "quiz")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    with pytest.raises(ScaffoldError, match="already exists"):
        new_challenge(tmp_path, "demo-quiz", "files")
    (tmp_path / "demo_other").mkdir()  # even an empty folder is someone's
    with pytest.raises(ScaffoldError, match="already exists"):
        new_challenge(tmp_path, "demo-other", "quiz")
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo_other", "demo_quiz"]  # no staging left
    assert issubclass(ScaffoldError, CatalogueError) and issubclass(ScaffoldError, ValueError)


def test_templates_never_reach_the_catalogue() -> None:
    assert not TEMPLATES_DIR.is_relative_to(CONTENT_DIR)
    assert {p.name for p in TEMPLATES_DIR.iterdir() if p.is_dir() and not p.name.startswith("_")} == set(KIND_NAMES)
    for kind in KIND_NAMES:
        assert 'id = "{id}"' in template_files(kind)["challenge.toml"]  # not loadable as it stands
    folders = {c.folder.resolve() for c in load_catalogue()}
    assert all(f.parent == CONTENT_DIR.resolve() for f in folders)
    assert not any(c.startswith("{") for c in load_catalogue().ids())


def test_functions_judge_treats_every_value_as_hostile(tmp_path: Path) -> None:
    hooks = _scaffold(tmp_path, "functions").hooks
    assert hooks is not None
    calls = hooks.calls(random.Random(3))
    assert len({c.id for c in calls}) == len(calls) >= 5
    right = {c.id: CallResult(value=hooks.expected(c).astype(np.float32)) for c in calls}
    assert all(check.passed for check in hooks.judge(calls, right))

    def shaped(fill: object, dtype: object = np.float64) -> dict[str, CallResult]:
        return {c.id: CallResult(value=np.full(hooks.expected(c).shape, fill, dtype=dtype)) for c in calls}

    hostile: list[dict[str, CallResult]] = [
        {}, {c.id: CallResult(error="`boom`\x00" * 1000) for c in calls},
        *({c.id: CallResult(value=v) for c in calls} for v in (
            None, "x" * 100_000, 1e308, True, [[1.0, 2.0]], {"a": 1}, np.zeros(10**6), np.array(["a"]),
            np.ones(3, dtype=complex), np.zeros((0,)), np.zeros((1,) * 9))),
        shaped(np.nan), shaped(np.inf), shaped(1e308), shaped(-1e308), shaped(True, bool), shaped(7, np.int64),
        shaped(np.iinfo(np.uint64).max, np.uint64), shaped(1, complex),
    ]
    for results in hostile:
        checks = hooks.judge(calls, results)
        assert [c.name for c in checks] == [c.id for c in calls]
        assert not any(c.passed for c in checks)
        assert all(c.message and len(c.message) <= 500 and "\x00" not in c.message for c in checks)


def test_files_rules_never_raise_on_hostile_text(tmp_path: Path) -> None:
    challenge = _scaffold(tmp_path, "files")
    hooks = challenge.hooks
    assert hooks is not None
    assert all(c.passed for c in hooks.rules(challenge.reference_files))
    texts = [
        "", "\x00" * 6000, "torch\n" * 300, "torch==" + "9" * 5000, "torch; " + "(" * 140 + "python_version>'3'" + ")" * 140,
        bytes(range(256)).decode("latin-1"), "-r other.txt\ntorch==2.14.1", "torch==2.14.*\ntorchvision==0.29.1",
        "torch==2.14.1\ntorch==2.14.1\ntorchvision==0.29.1", "torch==2.14.1\ntorchvision==0.28.1", "torch==nope",
        "torch===2.14.1\ntorchvision==0.29.1", "--index-url\ntorch @ file:///etc/passwd",
    ]
    for text in texts:
        checks = hooks.rules({"requirements.txt": text})
        gating = [c for c in checks if not c.warning]
        assert gating and not all(c.passed for c in gating), text[:40]
        assert all(len(c.message) <= 500 and "\x00" not in c.message for c in checks)
    assert not hooks.rules({})[0].passed
    assert all(c.passed for c in hooks.rules({"requirements.txt": "torch==2.14.1+cpu  # CPU build\ntorchvision==0.29.1"}))


def test_trained_reference_passes_with_margin_and_starter_fails_in_process(tmp_path: Path) -> None:
    """Calibration of OUR template files in this process (never learner code): design §2.4."""
    from sandbox.inprocess import run_files

    challenge = _scaffold(tmp_path, "trained")
    threshold = challenge.config.metric.threshold
    run_files(challenge, challenge.reference_files, seed=0)  # a first run warms torch up, as the pool's zygote does
    for seed in SEEDS:
        reference = run_files(challenge, challenge.reference_files, seed=seed)
        assert reference.report.passed, reference.report
        accuracy = reference.report.metrics["accuracy"]
        assert accuracy >= threshold + MARGIN, (seed, accuracy)
        assert reference.report.metrics["baseline_accuracy"] < threshold
        assert reference.phase_s["train"] <= challenge.spec.limits.train_budget_s
        starter = run_files(challenge, challenge.starter_files, seed=seed)
        assert not starter.report.passed and starter.report.metrics["accuracy"] < threshold, starter.report


@pytest.mark.sandbox
@pytest.mark.parametrize("kind", ["functions", "files", "trained"])
async def test_new_folder_validates_in_the_real_sandbox(tmp_path: Path, sandbox: Sandbox, kind: str) -> None:
    challenge = _scaffold(tmp_path, kind)
    started = time.monotonic()
    result = await validate_challenge(challenge, sandbox, Limits())
    await sandbox.idle()
    assert result.ok, result.to_json()
    assert result.reference is not None and result.reference.passed
    assert result.starter is not None and not result.starter.passed
    names = {c.name for c in result.cases}
    assert {c.name for c in challenge.cases()} <= names
    assert {c.case.name for c in challenge.kind.common_cases(challenge)} <= names
    print(f"{kind}: validated in {time.monotonic() - started:.1f} s; reference {result.reference.metrics}")


@pytest.mark.sandbox
async def test_new_quiz_validates(tmp_path: Path, sandbox: Sandbox) -> None:
    result = await validate_challenge(_scaffold(tmp_path, "quiz"), sandbox, Limits())
    assert result.ok and result.reference is None
