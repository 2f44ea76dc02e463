"""C8.3 ``azureml-command-job``: rules over ``job.yml`` with Azure ML's own schema, then a local
run of its command.

(a) The YAML is checked by the Azure ML SDK itself: ``azure.ai.ml.load_job`` validates it against
the CLI v2 command-job schema (marshmallow, offline: no workspace, no socket), on a private copy
of the submitted files only (paths in the YAML may not leave it). On top of what the schema
allows, the statement asks for the ``$schema`` URL, ``code: src``, ``compute: azureml:<name>``
and a curated or image environment (curated names from the dated version data). (b) every
``${{inputs.X}}``/``${{outputs.Y}}`` in ``command`` is declared; (c) ``outputs.model`` is a
``uri_folder``; (d) more than one instance needs ``distribution.type: pytorch``. (e) The command
runs in the sandbox (``inside.run_command``) with the data input and the outputs as scratch
folders and the literal inputs substituted; the model output must then hold a loadable model.
``pip install`` in the command and retired curated environments are flagged.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import shlex
import tempfile
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from challenges.kinds.base import Call, CallResult
from challenges.kinds.files import FilesRun
from challenges.verdict import OBSERVED, Check
from challenges.versions import AzureMLData, load_versions

JOB = "job.yml"
SCRIPT = "src/train.py"
CONDA = "conda.yml"
CODE = "src"
SCHEMA_URL = "https://azuremlschemas.azureedge.net/latest/commandJob.schema.json"
MAX_YAML = 20_000
MAX_TOKENS = 8_000  # YAML tokens: a job definition has a few hundred
RUN_ID = "run"
BINDING = re.compile(r"\$\{\{\s*(inputs|outputs)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
COMPUTE = re.compile(r"^azureml:[A-Za-z][A-Za-z0-9-]{1,31}$")
CURATED = re.compile(r"^azureml:(AzureML-[A-Za-z0-9._-]+)(?:@latest|:\d+)$", re.IGNORECASE)
REGISTERED = re.compile(r"^azureml:[A-Za-z0-9][A-Za-z0-9._-]*(?:@latest|:[A-Za-z0-9._-]+)$")
DATA_TYPES = ("uri_folder", "uri_file")
LITERAL_TYPES = ("integer", "number", "string", "boolean")
PYTHON = ("python", "python3")


def _show(text: object, limit: int = 60) -> str:
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in str(text)[:limit])
    return f"`{clean}{'…' if len(str(text)) > limit else ''}`"


def azure_data() -> AzureMLData:
    data = load_versions().azureml
    if data is None:
        raise RuntimeError("versions.toml has no [azureml] tables")
    return data


# --- reading the YAML ----------------------------------------------------------------------------


def read_yaml(text: str) -> tuple[dict[str, Any] | None, str]:
    """The job as a mapping, or (None, why). Bounded: size, no anchors/aliases, node count."""
    if len(text) > MAX_YAML:
        return None, f"{JOB} has {len(text):,} characters; the limit is {MAX_YAML:,}"
    try:
        for count, token in enumerate(yaml.scan(text, Loader=yaml.SafeLoader)):
            if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                return None, f"{JOB} uses YAML anchors or aliases (&, *): write each value out"
            if count > MAX_TOKENS:
                return None, f"{JOB} is too large for a job definition"
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        return None, f"{JOB} is not valid YAML{where}: {getattr(exc, 'problem', None) or 'parse error'}"
    except (RecursionError, ValueError):
        return None, f"{JOB} nests too deeply"
    if not isinstance(value, dict):
        return None, f"{JOB} holds a {type(value).__name__}, not a mapping of job fields"
    return value, ""


def _relative_inside(path: object) -> bool:
    if not isinstance(path, str) or not path or path.startswith(("/", "~", "\\")) or ":" in path.split("/")[0]:
        return False
    return ".." not in PurePosixPath(path.replace("\\", "/")).parts


def _unsafe_paths(job: dict[str, Any]) -> list[str]:
    """Local paths the SDK would open while loading: they must stay inside the submitted files."""
    found = []
    if "code" in job and isinstance(job["code"], str) and not job["code"].startswith("azureml:") \
            and not _relative_inside(job["code"]):
        found.append(f"code: {_show(job['code'])}")
    env = job.get("environment")
    if isinstance(env, dict):
        for key in ("conda_file", "path", "dockerfile_path"):
            if key in env and not _relative_inside(env[key]):
                found.append(f"environment.{key}: {_show(env[key])}")
        if isinstance(env.get("build"), dict):
            found.append("environment.build (a Docker build context is not graded here)")
    for section in ("inputs", "outputs"):
        entries = job.get(section)
        if isinstance(entries, dict):
            for name, entry in entries.items():
                path = entry.get("path") if isinstance(entry, dict) else None
                if isinstance(path, str) and not path.startswith(("azureml:", "https://", "wasbs://", "abfss://")) \
                        and not _relative_inside(path):
                    found.append(f"{section}.{name}.path: {_show(path)}")
    return found


def sdk_load(files: dict[str, str]) -> tuple[Any, str]:
    """``azure.ai.ml.load_job`` on a private copy of the submitted files: (job, "") or (None, why)."""
    logging.getLogger("azure").setLevel(logging.ERROR)
    sink = io.StringIO()  # the SDK prints notes on its experimental classes: not for the verdict
    with redirect_stdout(sink), redirect_stderr(sink), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from azure.ai.ml import load_job  # heavy (~2.5 s the first time): only when a job is graded

    with tempfile.TemporaryDirectory(prefix="azureml-job-") as folder:
        for name, text in files.items():
            target = Path(folder) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        try:
            with redirect_stdout(sink), redirect_stderr(sink), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # marshmallow deprecation notes inside the SDK
                return load_job(source=str(Path(folder) / JOB)), ""
        except Exception as exc:  # ValidationError / ValidationException: the schema's own words
            return None, _schema_message(str(exc), folder)


def _schema_message(text: str, folder: str) -> str:
    text = " ".join(text.replace(folder, ".").split())
    inner = re.search(r"CommandJobSchema failed:\s*(.*?)\s*If you are trying", text)
    body = inner.group(1) if inner else text
    body = re.sub(r"[{}\[\]\"\\]+", " ", body.replace("\\n", " "))
    return " ".join(body.split())[:400]


# --- the rules -----------------------------------------------------------------------------------


def rules(files: dict[str, str]) -> list[Check]:
    text = files.get(JOB)
    if not isinstance(text, str):
        return [Check("yaml", False, f"no {JOB} was submitted")]
    job, why = read_yaml(text)
    if job is None:
        return [Check("yaml", False, why, advice="Start from the statement's skeleton: `$schema`, `code`, "
                      "`command`, `inputs`, `outputs`, `environment`, `compute`.")]
    checks = [Check("yaml", True, f"{JOB} reads as a YAML mapping of {len(job)} fields")]
    unsafe = _unsafe_paths(job)
    if unsafe:
        checks.append(Check("schema", False, f"{JOB} points outside the submitted files ({'; '.join(unsafe[:3])}): "
                            "paths are relative to job.yml and stay inside the job's folder"))
    else:
        loaded, error = sdk_load({k: v for k, v in files.items() if k in (JOB, SCRIPT, CONDA)})
        kind = type(loaded).__name__
        if loaded is None:
            checks.append(Check("schema", False, f"Azure ML's command-job schema rejects {JOB}: {error}",
                                advice="Each field as in the CLI v2 reference (reference-yaml-job-command): "
                                       "`command` and `environment` are required; input types are uri_folder, "
                                       "uri_file, or a literal (integer, number, string, boolean)."))
        elif kind not in ("Command", "CommandJob"):
            checks.append(Check("schema", False, f"{JOB} loads as a {kind[:40]}, not a command job: `type: command`"))
        else:
            checks.append(Check("schema", True, "Azure ML's own command-job schema (azure-ai-ml load_job) accepts it"))
    checks += [_schema_url(job), _code(job), _compute(job), _environment(job), _bindings(job), _model_output(job),
               _distribution(job)]
    pip = _pip(job)
    if pip is not None:
        checks.append(pip)
    return checks


def _schema_url(job: dict[str, Any]) -> Check:
    url = job.get("$schema")
    ok = url == SCHEMA_URL
    return Check("schema-url", ok, "$schema is the command-job schema" if ok else
                 f"$schema is {_show(url, 80) if url else 'missing'}; it must be {SCHEMA_URL} (editors and the CLI "
                 "validate the file against it)")


def _code(job: dict[str, Any]) -> Check:
    code = job.get("code")
    ok = isinstance(code, str) and code.strip("/").removeprefix("./") == CODE
    return Check("code", ok, f"code: {code} uploads the folder holding train.py" if ok else
                 f"code is {_show(code) if code else 'missing'}: it names the folder uploaded with the job, here "
                 f"`{CODE}` (where train.py is), and the command runs inside it")


def _compute(job: dict[str, Any]) -> Check:
    compute = job.get("compute")
    ok = isinstance(compute, str) and bool(COMPUTE.match(compute))
    return Check("compute", ok, f"compute: {compute}" if ok else f"compute is {_show(compute) if compute else 'missing'}: "
                 "name a compute cluster of the workspace as `azureml:<cluster-name>` (without it the job goes to "
                 "serverless compute, and this job asks for GPUs)")


def _environment(job: dict[str, Any]) -> Check:
    env = job.get("environment")
    data = azure_data()
    if isinstance(env, dict):
        ok = isinstance(env.get("image"), str) and bool(env.get("image"))
        return Check("environment", ok, "environment: a Docker image" + (" with a conda file" if env.get("conda_file")
                     else "") if ok else "an inline environment needs `image:` (and usually `conda_file:`)")
    if not isinstance(env, str):
        return Check("environment", False, "environment is missing: a curated environment "
                     "(`azureml:AzureML-acpt-pytorch-2.2-cuda12.1@latest`) or `image:` + `conda_file:`")
    curated = CURATED.match(env)
    if curated:
        name = curated.group(1)
        if data.is_retired(name):
            return Check("environment", False, f"{name} is a retired curated environment (version data of "
                         f"{load_versions().updated}): Azure ML no longer builds or patches it",
                         advice="Use a current curated PyTorch environment: " + ", ".join(data.curated_pytorch[:3]) + ".")
        known = name.lower() in {c.lower() for c in data.curated_pytorch}
        return Check("environment", True, f"curated environment {name}" + ("" if known else
                     f" (not in the version data of {load_versions().updated}: check it is still listed)"))
    if REGISTERED.match(env):
        return Check("environment", True, f"a registered environment {_show(env)}")
    return Check("environment", False, f"environment {_show(env)} is neither `azureml:<name>@latest`, "
                 "`azureml:<name>:<version>`, nor an inline `image:`")


def declared(job: dict[str, Any], section: str) -> dict[str, Any]:
    value = job.get(section)
    return value if isinstance(value, dict) else {}


def _bindings(job: dict[str, Any]) -> Check:
    command = job.get("command")
    if not isinstance(command, str):
        return Check("bindings", False, "there is no command to bind inputs and outputs into")
    missing = [f"${{{{{s}.{n}}}}}" for s, n in BINDING.findall(command) if n not in declared(job, s)]
    if missing:
        return Check("bindings", False, f"the command uses {', '.join(dict.fromkeys(missing))} but the job does not "
                     "declare it: Azure ML refuses to submit the job", advice="Declare every placeholder under "
                     "`inputs:` or `outputs:` with the same name.")
    used = len(BINDING.findall(command))
    return Check("bindings", True, f"all {used} placeholders in the command are declared")


def _model_output(job: dict[str, Any]) -> Check:
    model = declared(job, "outputs").get("model")
    kind = model.get("type") if isinstance(model, dict) else None
    ok = kind == "uri_folder"
    return Check("model-output", ok, "outputs.model is a uri_folder" if ok else
                 ("the job declares no `outputs.model`: whatever train.py saves stays on the compute node and is lost"
                  if model is None else f"outputs.model has type {_show(kind) if kind else 'unset'}: it must be "
                  "uri_folder, a folder train.py writes the model into"),
                 advice="" if ok else "outputs:\n  model:\n    type: uri_folder  (and pass ${{outputs.model}} to train.py)")


def _distribution(job: dict[str, Any]) -> Check:
    resources = job.get("resources") if isinstance(job.get("resources"), dict) else {}
    assert isinstance(resources, dict)
    count = resources.get("instance_count", 1)
    dist = job.get("distribution")
    dist_type = dist.get("type") if isinstance(dist, dict) else None
    if isinstance(count, int) and count > 1 and dist_type != "pytorch":
        return Check("distribution", False, f"resources.instance_count is {count} but distribution.type is "
                     f"{_show(dist_type) if dist_type else 'unset'}: without `distribution: type: pytorch` each "
                     "node runs the script alone, with no process group", advice="distribution:\n  type: pytorch\n"
                     "  process_count_per_instance: 1")
    return Check("distribution", True, f"{count} instance(s)" + (", distribution: pytorch" if dist_type == "pytorch" else ""))


def _pip(job: dict[str, Any]) -> Check | None:
    command = job.get("command")
    if isinstance(command, str) and re.search(r"\bpip3?\s+install\b", command):
        return Check("pip-install", False, "the command runs `pip install`: every run downloads packages again and "
                     "may get other versions; put them in the environment (a conda file) instead", warning=True)
    return None


# --- the local run -------------------------------------------------------------------------------


def _literal(entry: Any) -> str | None:
    """A literal input's value as the command line gets it, or None for a data input."""
    if isinstance(entry, bool):
        return str(entry)
    if isinstance(entry, (int, float, str)):
        return str(entry)
    if isinstance(entry, dict) and entry.get("type") in LITERAL_TYPES and "default" in entry:
        return str(entry["default"])
    return None


def plan_argv(job: dict[str, Any]) -> tuple[list[str] | None, list[str], str]:
    """(argv template, output names, why not) for the command's python step."""
    command = job.get("command")
    if not isinstance(command, str):
        return None, [], "the job has no command"
    inputs, outputs = declared(job, "inputs"), declared(job, "outputs")
    if any(n not in (inputs if s == "inputs" else outputs) for s, n in BINDING.findall(command)):
        return None, [], "the command uses undeclared placeholders"

    def substitute(match: re.Match[str]) -> str:
        section, name = match.group(1), match.group(2)
        if section == "outputs":
            return "{output:" + name + "}"
        literal = _literal(inputs[name])
        return "{data}" if literal is None else literal

    try:
        steps = [shlex.split(step) for step in re.split(r"&&|;|\n", BINDING.sub(substitute, command)) if step.strip()]
    except ValueError:
        return None, [], "the command does not parse as a shell command line"
    python = [s for s in steps if s and PurePosixPath(s[0]).name in PYTHON]
    others = [s for s in steps if s and PurePosixPath(s[0]).name not in PYTHON and s[0] not in ("pip", "pip3")]
    if len(python) != 1 or others:
        return None, [], "the grader runs a command of one `python train.py ...` step (plus `pip install`, flagged)"
    step = python[0][1:]
    if not step or step[0] != "train.py":
        return None, [], f"the python step runs {_show(step[0] if step else 'nothing')}, not train.py (the command runs in code/)"
    return step, list(outputs), ""


def run(files: dict[str, str]) -> FilesRun | None:
    job, _ = read_yaml(files.get(JOB, "") if isinstance(files.get(JOB), str) else "")
    if job is None or not isinstance(files.get(SCRIPT), str):
        return None
    argv, outputs, _ = plan_argv(job)
    if argv is None:
        return None
    return FilesRun(SCRIPT, [Call(RUN_ID, "run", (argv, outputs, "model", secrets.randbits(30)), scenario="run_command")])


def judge_run(files: dict[str, str], calls: list[Call], results: dict[str, CallResult]) -> list[Check]:
    name = "local-run"
    if not calls:
        job, why = read_yaml(files.get(JOB, "") if isinstance(files.get(JOB), str) else "")
        if job is not None:
            _, _, why = plan_argv(job)
        return [Check(name, False, f"the command was not run: {why or 'src/train.py is missing'}")]
    result = results.get(RUN_ID, CallResult(error="no result"))
    if not result.ok or not isinstance(result.value, dict):
        return [Check(name, False, f"the command could not run: {result.error}"[:400])]
    value: dict[str, Any] = result.value
    shown = "python " + " ".join(str(a) for a in calls[0].args[0]).replace("{data}", "<data>").replace(
        "{output:", "<outputs/").replace("}", ">")
    if isinstance(value.get("error"), str):
        return [Check(name, False, f"`{shown[:160]}` failed: {value['error'][:300]}", evidence=OBSERVED,
                      advice="Read the data folder and the output folder from the arguments the command passes "
                             "(argparse), and write the model into the output folder.")]
    models = value.get("models") if isinstance(value.get("models"), dict) else {}
    assert isinstance(models, dict)
    outputs = value.get("outputs") if isinstance(value.get("outputs"), dict) else {}
    assert isinstance(outputs, dict)
    if "model" not in outputs:
        return [Check(name, False, f"`{shown[:160]}` ran, but there is no model output to look in", evidence=OBSERVED)]
    if not models:
        held = ", ".join(str(f) for f in outputs.get("model", [])[:5]) or "nothing"
        return [Check(name, False, f"`{shown[:160]}` ran in {value.get('wall_s')} s, but ${{{{outputs.model}}}} holds "
                      f"{held[:120]}: no file that torch.load(weights_only=True) reads as a state_dict",
                      evidence=OBSERVED, advice="torch.save(model.state_dict(), os.path.join(args.model_dir, "
                                                "'model.pt')) into the folder ${{outputs.model}} names.")]
    first, what = next(iter(models.items()))
    return [Check(name, True, f"`{shown[:160]}` ran in {value.get('wall_s')} s; outputs/model/{first} loads as {what}",
                  evidence=OBSERVED)]
