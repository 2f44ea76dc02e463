"""Competency 8 (SageMaker and Azure ML, graded locally): each challenge's reference passes on
several seeds, every known case fails exactly the checks it names, the cloud toolkits' own code is
what grades (the SageMaker transformer and default handlers, the training toolkit's SM_* output,
the SDK's version tables, azure-ai-ml's schema) and none of it opens a socket, and hostile files
fail cleanly. The calls run in this process through the functions kind's own sandbox-side runner."""

from __future__ import annotations

import random
import socket
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from challenges.catalogue import Case, load_challenge, read_folder, sandbox_preloads
from challenges.content.azureml_command_job import hooks as az_hooks
from challenges.content.azureml_command_job import inside as az_inside
from challenges.content.sagemaker_inference_handlers import hooks as inf_hooks
from challenges.content.sagemaker_inference_handlers import inside as inf_inside
from challenges.content.sagemaker_training_entrypoint import hooks as train_hooks
from challenges.content.sagemaker_training_entrypoint import inside as train_inside
from challenges.kinds.base import Call, CallResult
from challenges.kinds.functions import call_messages, read_results
from challenges.kinds.functions_inside import run_calls
from challenges.kinds.inside_kit import load_learner_module
from challenges.verdict import Check
from challenges.versions import load_versions
from sandbox.lint import check_source

SEEDS = (0, 1, 2)


def cases(hooks: ModuleType) -> list[Case]:
    folder = Path(hooks.__file__).parent / "cases"
    return [Case(**c) for c in tomllib.loads((folder / "cases.toml").read_text(encoding="utf-8"))["case"]]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test here runs with connect() refused: the toolkits must grade offline."""
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a socket connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


def run_functions(hooks: ModuleType, inside: ModuleType, source: str, seed: int) -> dict[str, Check]:
    calls = hooks.calls(random.Random(seed))
    learner = load_learner_module(source, "submission.py")
    results = read_results(calls, run_calls(learner, call_messages(calls), {}, inside))
    return {c.name: c for c in hooks.judge(calls, results)}


def failing(checks: dict[str, Check]) -> set[str]:
    return {n for n, c in checks.items() if not c.passed and not c.warning}


# --- C8.1 sagemaker-inference-handlers -----------------------------------------------------------

INF = Path(inf_hooks.__file__).parent


@pytest.mark.parametrize("seed", SEEDS)
def test_inference_reference_passes_every_check(seed: int) -> None:
    checks = run_functions(inf_hooks, inf_inside, (INF / "reference.py").read_text(), seed)
    assert not failing(checks), {n: checks[n].message for n in failing(checks)}
    assert {"model_fn", "map_location", "eval-mode", "json-request", "npy-request", "no-grad",
            "unsupported-content-type"} <= set(checks)


@pytest.mark.parametrize("case", cases(inf_hooks), ids=lambda c: c.name)
def test_inference_cases_fail_what_they_name(case: Case) -> None:
    checks = run_functions(inf_hooks, inf_inside, (INF / "cases" / case.file).read_text(), 7)
    if case.expected == "passed":
        assert not failing(checks), {n: checks[n].message for n in failing(checks)}
    else:
        assert set(case.fails) <= failing(checks), {n: c.message for n, c in checks.items()}


def test_inference_starter_fails() -> None:
    assert failing(run_functions(inf_hooks, inf_inside, (INF / "starter.py").read_text(), 3))


def test_no_handlers_at_all_gets_the_toolkits_torchscript_only_default() -> None:
    checks = run_functions(inf_hooks, inf_inside, "import torch\n", 1)
    assert not checks["model_fn"].passed
    assert "TorchScript" in checks["model_fn"].message


def test_torch_load_is_restored_after_serving() -> None:
    import torch

    original = torch.load
    run_functions(inf_hooks, inf_inside, (INF / "reference.py").read_text(), 0)
    assert torch.load is original


def test_model_fn_that_maps_is_the_negative_control_for_map_location() -> None:
    """Negative control: the same file with and without map_location differs only in that check."""
    good = (INF / "cases" / "no_map_location.py").read_text().replace("torch.load(f)", "torch.load(f, map_location='cpu')")
    assert not failing(run_functions(inf_hooks, inf_inside, good, 2))


@pytest.mark.parametrize(("text", "ok"), [
    ("[0, 1, 2]", True), ('{"predictions": [[0.1, 0.9, 0.0], [1, 0, 0], [0, 0, 5]]}', True),
    ("not json", False), ("[0, 1]", False), ("[true, false, true]", False), ('[[1, 2], [3, 4], [5, 6]]', False),
    ("[" * 5000, False), ('"text"', False),
])
def test_read_classes_treats_responses_as_hostile(text: str, ok: bool) -> None:
    classes, problem = inf_hooks.read_classes(text, 3)
    assert (classes is not None) is ok, problem


# --- C8.2 sagemaker-training-entrypoint ----------------------------------------------------------

TRAIN = Path(train_hooks.__file__).parent


@pytest.mark.parametrize("seed", SEEDS)
def test_training_reference_passes_every_check(seed: int) -> None:
    checks = run_functions(train_hooks, train_inside, (TRAIN / "reference.py").read_text(), seed)
    assert not failing(checks), {n: checks[n].message for n in failing(checks)}
    assert checks["model_fn"].value is not None and checks["model_fn"].value >= 0.95


@pytest.mark.parametrize("case", cases(train_hooks), ids=lambda c: c.name)
def test_training_cases_fail_what_they_name(case: Case) -> None:
    checks = run_functions(train_hooks, train_inside, (TRAIN / "cases" / case.file).read_text(), 5)
    assert set(case.fails) <= failing(checks), {n: c.message for n, c in checks.items()}


def test_training_starter_fails_on_argparse_and_config() -> None:
    assert {"config", "runs"} <= failing(run_functions(train_hooks, train_inside, (TRAIN / "starter.py").read_text(), 1))


def test_untrained_model_is_the_negative_control_for_accuracy() -> None:
    """Negative control: the reference without its training loop saves random weights: below 90 %."""
    source = (TRAIN / "reference.py").read_text().replace("for epoch in range(args.epochs):", "for epoch in range(0):")
    checks = run_functions(train_hooks, train_inside, source, 4)
    assert failing(checks) == {"model_fn"}


def test_the_sm_environment_is_the_training_toolkits_own_output() -> None:
    env = train_hooks.toolkit_env()
    assert "sagemaker-training" in env["source"]
    assert env["argv"] == ["--epochs", "3", "--lr", "0.01"]
    for name in ("SM_MODEL_DIR", "SM_CHANNEL_TRAINING", "SM_NUM_GPUS", "SM_HOSTS", "SM_HP_EPOCHS", "SM_TRAINING_ENV"):
        assert name in env["env"]
    assert env["env"]["SM_MODEL_DIR"] == "{base}/model"


def _config(**changes: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {"entry_point": "train.py", "framework_version": "2.5.1", "py_version": "py311",
                           "instance_type": "ml.g5.xlarge", "instance_count": 1,
                           "hyperparameters": {"epochs": 3, "lr": 0.01}}
    cfg.update(changes)
    return cfg


@pytest.mark.parametrize(("changes", "fails"), [
    ({}, set()),
    ({"framework_version": "2.5"}, set()),  # an alias the SDK resolves
    ({"framework_version": "2.10.0", "py_version": "py313"}, set()),
    ({"py_version": "py38"}, {"framework"}),
    ({"framework_version": "2.99.0"}, {"framework"}),
    ({"instance_type": "ml.m5.xlarge"}, {"instance_type"}),
    ({"instance_type": "local"}, {"instance_type"}),
    ({"instance_type": "p3.2xlarge"}, {"instance_type"}),
    ({"instance_type": "ml.p3.2xlarge"}, set()),
    ({"instance_count": 2}, {"instance_count"}),
    ({"instance_count": True}, {"instance_count"}),
    ({"hyperparameters": {"epochs": 3}}, {"hyperparameters"}),
    ({"entry_point": "main.py"}, {"entry_point"}),
    ({"framework_version": ["2.5.1"]}, {"framework"}),
])
def test_estimator_config_rules(changes: dict[str, Any], fails: set[str]) -> None:
    checks = {c.name: c for c in train_hooks.judge([], {"config": CallResult(value=_config(**changes))})
              if c.name != "runs"}
    assert {n for n, c in checks.items() if not c.passed} == fails


def test_sagemaker_tables_come_from_the_sdk_config() -> None:
    data = load_versions().sagemaker
    assert data is not None and "sagemaker-core" in data.source
    assert data.resolve("2.5") == "2.5.1" and data.resolve("9.9") is None
    assert "g5" in train_hooks.gpu_families(data) and "m5" not in train_hooks.gpu_families(data)


# --- C8.3 azureml-command-job --------------------------------------------------------------------

AZ = Path(az_hooks.__file__).parent


def grade_files(files: dict[str, str]) -> dict[str, Check]:
    checks = list(az_hooks.rules(files))
    plan = az_hooks.run(files)
    results: dict[str, CallResult] = {}
    if plan is not None:
        learner = load_learner_module(files[plan.file], "train.py")
        results = read_results(plan.calls, run_calls(learner, call_messages(plan.calls), {}, az_inside))
    checks += az_hooks.judge_run(files, plan.calls if plan else [], results)
    return {c.name: c for c in checks}


def test_azure_reference_passes_every_check() -> None:
    checks = grade_files(read_folder(AZ / "reference"))
    assert not failing(checks), {n: checks[n].message for n in failing(checks)}
    assert "azure-ai-ml" in checks["schema"].message


@pytest.mark.parametrize("case", cases(az_hooks), ids=lambda c: c.name)
def test_azure_cases_fail_what_they_name(case: Case) -> None:
    checks = grade_files(read_folder(AZ / "cases" / case.file))
    if case.expected == "passed":
        assert not failing(checks), {n: checks[n].message for n in failing(checks)}
    else:
        assert set(case.fails) <= failing(checks), {n: c.message for n, c in checks.items()}


def test_the_schema_is_azure_mls_own() -> None:
    """What only the SDK's schema knows: a job's literal inputs take no type/default (components' do)."""
    files = read_folder(AZ / "reference")
    files["job.yml"] = files["job.yml"].replace("  epochs: 3\n", "  epochs:\n    type: integer\n    default: 3\n")
    checks = grade_files(files)
    assert not checks["schema"].passed and "integer" in checks["schema"].message


def _job(**changes: Any) -> dict[str, str]:
    import yaml

    files = read_folder(AZ / "reference")
    job = yaml.safe_load(files["job.yml"])
    job.update(changes)
    files["job.yml"] = yaml.safe_dump(job, sort_keys=False)
    return files


@pytest.mark.parametrize(("text", "why"), [
    ("a: &x [1, 2]\nb: *x\n", "anchors"),
    ("- just\n- a list\n", "mapping"),
    ("command: [unclosed\n", "not valid YAML"),
    ("x: " + "[" * 3000 + "]" * 3000 + "\n", ""),
    ("k: v\n" * 5000, "characters"),
])
def test_hostile_yaml_fails_cleanly(text: str, why: str) -> None:
    files = read_folder(AZ / "reference")
    files["job.yml"] = text
    checks = grade_files(files)
    assert failing(checks)
    assert why in checks["yaml"].message or not checks["yaml"].passed or not checks["schema"].passed


@pytest.mark.parametrize("changes", [
    {"code": "/etc"}, {"code": "../.."},
    {"environment": {"image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04", "conda_file": "/etc/passwd"}},
])
def test_paths_outside_the_submission_never_reach_the_sdk(changes: dict[str, Any]) -> None:
    checks = grade_files(_job(**changes))
    assert not checks["schema"].passed and "outside the submitted files" in checks["schema"].message


def test_image_with_a_submitted_conda_file_is_accepted() -> None:
    files = _job(environment={"image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04", "conda_file": "conda.yml"})
    files["conda.yml"] = "name: train\ndependencies:\n  - python=3.11\n  - pip:\n    - torch==2.5.1\n"
    checks = grade_files(files)
    assert checks["schema"].passed and checks["environment"].passed


def test_commands_the_grader_cannot_run_are_explained() -> None:
    checks = grade_files(_job(command="bash run.sh ${{outputs.model}}"))
    assert not checks["local-run"].passed and "one `python train.py" in checks["local-run"].message


def test_pip_install_is_flagged_not_failed() -> None:
    job = (AZ / "reference" / "job.yml").read_text().replace("python train.py", "pip install rich && python train.py")
    files = read_folder(AZ / "reference") | {"job.yml": job}
    checks = grade_files(files)
    assert checks["pip-install"].warning and not failing(checks)


def test_azure_curated_environments_are_dated_data() -> None:
    data = load_versions().azureml
    assert data is not None and data.is_retired("azureml-pytorch-1.10-ubuntu18.04-py38-cuda11-gpu")


# --- shared pieces -------------------------------------------------------------------------------


def test_the_serving_toolkit_is_preloaded_by_the_zygote() -> None:
    assert "sagemaker_inference.transformer" in sandbox_preloads()


def test_the_cloud_grants_are_per_challenge() -> None:
    source = "import io\nimport argparse\nfrom sagemaker_inference import decoder\n"
    assert len([v for v in check_source(source, set()) if v.is_error]) == 3
    assert not [v for v in check_source(source, {"io", "argparse", "sagemaker_inference"}) if v.is_error]


def test_a_files_challenge_that_runs_needs_both_hooks(tmp_path: Path) -> None:
    folder = tmp_path / "broken_runner"
    (folder / "reference").mkdir(parents=True)
    (folder / "starter").mkdir()
    for stem in ("reference", "starter"):
        (folder / stem / "job.yml").write_text("a: 1\n")
    (folder / "statement.md").write_text("# x\n")
    (folder / "challenge.toml").write_text((AZ / "challenge.toml").read_text().replace('id = "azureml-command-job"',
                                                                                        'id = "broken-runner"'))
    (folder / "hooks.py").write_text("def rules(files):\n    return []\n\ndef run(files):\n    return None\n")
    with pytest.raises(Exception, match="judge_run"):
        load_challenge(folder)


def test_call_ids_are_stable() -> None:
    assert [c.id for c in train_hooks.calls(random.Random(0))] == ["config", "train"]
    assert isinstance(inf_hooks.calls(random.Random(0))[0], Call)
