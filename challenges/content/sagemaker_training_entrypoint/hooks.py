"""C8.2 ``sagemaker-training-entrypoint``: the trusted half.

Two calls in the learner's job: ``estimator_config()`` (plain data, judged here against the
SageMaker SDK's own version and instance tables in ``versions.toml``), and ``inside.train_job``,
which runs train.py as the SageMaker training toolkit launches it (its ``SM_*`` variables and argv
come from ``sm_training_env.json``, the toolkit's own output) and loads the result through the
learner's ``model_fn``. The classes it predicts are scored here against labels we regenerate.
"""

from __future__ import annotations

import json
import random
import re
from functools import cache
from pathlib import Path
from typing import Any

from challenges.content.sagemaker_training_entrypoint.inside import TEST_ROWS, dataset
from challenges.kinds.base import Call, CallResult
from challenges.verdict import OBSERVED, Check
from challenges.versions import SageMakerData, load_versions

ENV_FILE = Path(__file__).with_name("sm_training_env.json")
CONFIG_ID = "config"
TRAIN_ID = "train"
TRAIN_BUDGET_S = 5.0  # design C8.2: train.py must finish within 5 s
MIN_ACCURACY = 0.9  # separable blobs: a trained linear layer reaches ~0.99, an untrained one ~0.33
ENTRY_POINT = "train.py"
INSTANCE_RE = re.compile(r"^ml\.([a-z0-9-]+)\.([a-z0-9]+)$")  # ml.<family>.<size>, as the SageMaker API spells them
REQUIRED_KEYS = ("entry_point", "framework_version", "py_version", "instance_type", "instance_count", "hyperparameters")
HYPERPARAMETERS = ("epochs", "lr")


@cache
def toolkit_env() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ENV_FILE.read_text(encoding="utf-8"))
    return data


def sagemaker_data() -> SageMakerData:
    data = load_versions().sagemaker
    if data is None:
        raise RuntimeError("versions.toml has no [sagemaker] tables")
    return data


def gpu_families(data: SageMakerData) -> set[str]:
    """Instance families with GPUs, from the SDK's GPU table (ml.g5.2xlarge -> g5)."""
    return {m.group(1) for name in data.gpu_instances if (m := INSTANCE_RE.match(name))}


def calls(rng: random.Random) -> list[Call]:
    env = toolkit_env()
    return [Call(CONFIG_ID, "estimator_config"),
            Call(TRAIN_ID, "train", (env["env"], env["argv"], rng.randrange(1 << 30)), scenario="train_job")]


def judge(calls_made: list[Call], results: dict[str, CallResult]) -> list[Check]:
    return [*_config_checks(results.get(CONFIG_ID)), *_run_checks(calls_made, results.get(TRAIN_ID))]


# --- estimator_config() --------------------------------------------------------------------------


def _config_checks(result: CallResult | None) -> list[Check]:
    if result is None or not result.ok:
        return [Check("config", False, f"estimator_config() failed: {result.error if result else 'not called'}"[:400],
                      advice="Define estimator_config() in train.py; it returns a dict of the PyTorch estimator's arguments.")]
    cfg = result.value
    if not isinstance(cfg, dict):
        return [Check("config", False, f"estimator_config() returned {type(cfg).__name__}, not a dict")]
    missing = [k for k in REQUIRED_KEYS if k not in cfg]
    if missing:
        return [Check("config", False, f"estimator_config() lacks {', '.join(missing)}",
                      advice=f"Return all of {', '.join(REQUIRED_KEYS)}.")]
    data = sagemaker_data()
    return [Check("config", True, "estimator_config() has every key the statement asks for"),
            _entry_point(cfg["entry_point"]), _framework(cfg, data), _instance(cfg, data),
            _count(cfg["instance_count"]), _hyperparameters(cfg["hyperparameters"])]


def _entry_point(value: Any) -> Check:
    ok = value == ENTRY_POINT
    return Check("entry_point", ok, f"entry_point is {str(value)[:60]!r}" + ("" if ok else f", not {ENTRY_POINT!r}: "
                 "SageMaker runs the file you name, and this one is train.py"))


def _framework(cfg: dict[str, Any], data: SageMakerData) -> Check:
    version, py = cfg["framework_version"], cfg["py_version"]
    advice = (f"Pick a pair from the SageMaker SDK's table ({data.source.split(':')[0]}): for example "
              + "; ".join(f"{v} with {', '.join(i.py_versions)}" for v, i in list(data.pytorch_training.items())[-3:]) + ".")
    if not isinstance(version, str) or not isinstance(py, str):
        return Check("framework", False, "framework_version and py_version are strings, e.g. '2.5.1' and 'py311'",
                     advice=advice)
    resolved = data.resolve(version)
    if resolved is None:
        return Check("framework", False, f"framework_version {version[:20]!r}: SageMaker has no PyTorch training image "
                     "of that version", advice=advice)
    image = data.pytorch_training[resolved]
    if py not in image.py_versions:
        return Check("framework", False, f"PyTorch {resolved} training images exist for {', '.join(image.py_versions)}, "
                     f"not {py[:12]!r}: the estimator would find no image", advice=advice)
    alias = "" if resolved == version else f" ({version} resolves to {resolved})"
    return Check("framework", True, f"PyTorch {resolved}{alias} has a {py} training image")


def _instance(cfg: dict[str, Any], data: SageMakerData) -> Check:
    name = cfg["instance_type"]
    advice = "Training on a GPU: an instance type such as ml.g5.xlarge, ml.g4dn.xlarge or ml.p3.2xlarge."
    if not isinstance(name, str) or not (m := INSTANCE_RE.match(name)):
        return Check("instance_type", False, f"{str(name)[:40]!r} is not a SageMaker instance type (ml.<family>.<size>, "
                     "e.g. ml.g5.xlarge); 'local' mode runs on your machine, not on SageMaker", advice=advice)
    if m.group(1) not in gpu_families(data):
        return Check("instance_type", False, f"{name} has no GPU (its family {m.group(1)} is not in the SDK's GPU "
                     "table), but the job is meant to train on one: SM_NUM_GPUS would be 0", advice=advice)
    framework = data.resolve(str(cfg["framework_version"]))
    if framework is not None and "gpu" not in data.pytorch_training[framework].processors:
        return Check("instance_type", False, f"PyTorch {framework} has no GPU training image", advice=advice)
    gpus = data.gpu_instances.get(name)
    return Check("instance_type", True, f"{name} is a GPU instance" + (f" ({gpus} GPU)" if gpus else ""))


def _count(value: Any) -> Check:
    ok = isinstance(value, int) and not isinstance(value, bool) and value == 1
    return Check("instance_count", ok, "instance_count is 1" if ok else f"instance_count is {str(value)[:20]}: this "
                 "train.py trains on one instance (no distribution is configured), so ask for exactly 1")


def _hyperparameters(value: Any) -> Check:
    if not isinstance(value, dict):
        return Check("hyperparameters", False, "hyperparameters is a dict, e.g. {'epochs': 3, 'lr': 0.01}")
    missing = [k for k in HYPERPARAMETERS if k not in value]
    bad = [k for k in HYPERPARAMETERS if k in value and (not isinstance(value[k], (int, float)) or isinstance(value[k], bool)
                                                         or value[k] <= 0)]
    if missing or bad:
        return Check("hyperparameters", False, f"hyperparameters needs positive numbers for {', '.join(missing + bad)}: "
                     "SageMaker passes each one to train.py as --name value")
    return Check("hyperparameters", True, "hyperparameters carries epochs and lr (passed as --epochs and --lr)")


# --- the training run ----------------------------------------------------------------------------


def _run_checks(calls_made: list[Call], result: CallResult | None) -> list[Check]:
    if result is None or not result.ok or not isinstance(result.value, dict):
        why = result.error if result is not None else "it was not run"
        return [Check("runs", False, f"train.py could not be launched: {why}"[:400])]
    run: dict[str, Any] = result.value
    env = toolkit_env()
    launched = f"`python train.py {' '.join(env['argv'])}` with the toolkit's SM_* variables"
    error = run.get("error")
    wall = run.get("wall_s") if isinstance(run.get("wall_s"), (int, float)) else None
    if isinstance(error, str):
        hint = (" argparse stopped: SageMaker passes every hyperparameter as a flag, so the parser must accept "
                "--epochs and --lr (and parse_known_args keeps unknown ones from failing)" if "SystemExit" in error
                else "")
        return [Check("runs", False, f"{launched} failed: {error[:300]}.{hint}",
                      advice="Read paths from os.environ['SM_CHANNEL_TRAINING'] and os.environ['SM_MODEL_DIR'], "
                             "hyperparameters from argparse.")]
    checks = [Check("runs", True, f"{launched} finished" + (f" in {wall:.2f} s" if wall is not None else ""), evidence=OBSERVED)]
    in_time = wall is not None and wall <= TRAIN_BUDGET_S
    checks.append(Check("budget", in_time, f"training took {wall if wall is not None else '?'} s (budget "
                        f"{TRAIN_BUDGET_S:g} s)", wall, TRAIN_BUDGET_S, evidence=OBSERVED))
    files = [f for f in run.get("files", []) if isinstance(f, str)]
    if "model.pth" not in files:
        shown = ", ".join(files[:5]) or "nothing"
        checks.append(Check("model.pth", False, f"SM_MODEL_DIR holds {shown[:120]}, no model.pth: SageMaker uploads "
                            "that folder as model.tar.gz, and the endpoint's model_fn will look for model.pth",
                            advice="torch.save(model.state_dict(), os.path.join(os.environ['SM_MODEL_DIR'], 'model.pth'))."))
        return checks
    if "state_error" in run:
        checks.append(Check("model.pth", False, f"model.pth does not load with weights_only=True: "
                            f"{str(run['state_error'])[:200]}", advice="Save the state_dict, not the module: "
                            "torch.save(model.state_dict(), path)."))
    else:
        checks.append(Check("model.pth", True, f"SM_MODEL_DIR/model.pth loads as {str(run.get('state'))[:60]}"))
    checks.append(_served(calls_made, run.get("predictions")))
    return checks


def _served(calls_made: list[Call], predictions: Any) -> Check:
    name = "model_fn"
    if isinstance(predictions, dict):
        return Check(name, False, f"model_fn(model_dir) on the saved model: {str(predictions.get('error'))[:300]}",
                     advice="Define model_fn(model_dir) in train.py: build the model, load_state_dict(torch.load("
                            "os.path.join(model_dir, 'model.pth'), map_location='cpu', weights_only=True)), return it.")
    seed = int(next(c for c in calls_made if c.id == TRAIN_ID).args[2])
    if (not isinstance(predictions, list) or len(predictions) != TEST_ROWS
            or not all(isinstance(p, int) and not isinstance(p, bool) for p in predictions)):
        return Check(name, False, f"model_fn's model gave no class for each of {TEST_ROWS} new inputs (its output "
                     "must be (n, 3) scores)")
    _, labels = dataset(seed + 1, TEST_ROWS)
    accuracy = sum(int(p == int(t)) for p, t in zip(predictions, labels, strict=False)) / len(labels)
    ok = accuracy >= MIN_ACCURACY
    return Check(name, ok, f"the model model_fn loads classifies {accuracy:.0%} of new inputs right"
                 + ("" if ok else f" (needs {MIN_ACCURACY:.0%}): it did not learn, or the weights did not load"),
                 accuracy, MIN_ACCURACY)
