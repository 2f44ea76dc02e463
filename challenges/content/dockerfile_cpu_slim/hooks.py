"""C2.1 dockerfile-cpu-slim: rules R1-R10 on a learner's Dockerfile, checked as text (trusted side).

Nothing submitted is executed: ``challenges.kinds.dockerfile`` parses the text (bounded, total),
each rule below is one small function returning one ``Check`` whose message says what was found,
on which line, and the fix in Docker terms. Gating: R1-R8 and R10, because a literal secret in
``ENV``/``ARG`` is stored in the image for anyone who pulls it (and in git with the Dockerfile),
and the rule only fires on literal values, so honest Dockerfiles do not trip it. R9 (multi-stage)
is a bonus note, the ``.dockerignore`` advice and hadolint's findings are warnings.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from challenges.kinds import hadolint
from challenges.kinds.dockerfile import (
    Command,
    Definition,
    Dockerfile,
    Instruction,
    PipCall,
    Stage,
    excerpt,
    expand,
    parse,
    pip_call,
    run_commands,
)
from challenges.verdict import Check

DOCKERFILE_MAX_BYTES = 20_000
DOCKERIGNORE_MAX_BYTES = 5_000
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
TORCH = {"torch", "torchvision", "torchaudio"}
GATING = ("R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R10")
MAX_LINT_CHECKS = 15
_FIX_TORCH = f"RUN pip install --no-cache-dir --index-url {CPU_INDEX} torch==2.14.1 torchvision==0.29.1"


@dataclass(frozen=True)
class Pip:
    """A pip call with where it happens, so rules can name the line and read the stage's ENV."""

    call: PipCall
    stage: Stage
    ins: Instruction

    @property
    def line(self) -> int:
        return self.call.command.line

    def env(self, name: str) -> str | None:
        inline = dict(self.call.command.env)
        return inline[name] if name in inline else self.stage.lookup(name, self.ins.line)


@dataclass(frozen=True)
class Run:
    stage: Stage
    ins: Instruction
    commands: tuple[Command, ...]


@dataclass(frozen=True)
class Facts:
    df: Dockerfile
    final: Stage
    image_ids: frozenset[int]  # the stages the final image is built on (its lineage)
    runs: tuple[Run, ...]
    pips: tuple[Pip, ...]

    def final_runs(self) -> Iterator[Run]:
        return (r for r in self.runs if r.stage.index in self.image_ids)

    def final_instructions(self) -> Iterator[tuple[Stage, Instruction]]:
        for stage in self.df.lineage(self.final):
            for ins in stage.instructions:
                yield stage, ins


def rules(files: Mapping[str, str], *, lint: bool = True) -> list[Check]:
    """R1-R10 (R9 a bonus note), a ``.dockerignore`` note and hadolint's findings as warnings."""
    text = _file(files, "Dockerfile")
    if text is None:
        return [Check("syntax", False, "no file named `Dockerfile` was submitted")]
    df = parse(text, max_bytes=DOCKERFILE_MAX_BYTES)
    if df.problems or df.final is None:
        return [_syntax(df)]
    facts = _facts(df, df.final)
    checks = [r1(facts), r2(facts), r3(facts), r4(facts), r5(facts), r6(facts), r7(facts), r8(facts), r9(facts), r10(facts)]
    checks.append(dockerignore(facts, _file(files, ".dockerignore")))
    if lint:
        checks.extend(lint_checks(df))
    return checks


def _file(files: Mapping[str, str], name: str) -> str | None:
    if name in files:
        return files[name]
    return next((v for k, v in files.items() if k.lower() == name.lower()), None)


def _syntax(df: Dockerfile) -> Check:
    shown = "; ".join(f"line {ln}: {msg}" if ln else msg for ln, msg in df.problems[:3])
    more = f" (and {len(df.problems) - 3} more)" if len(df.problems) > 3 else ""
    lead = "Docker would refuse to build this" if df.readable else "This file cannot be checked"
    return Check("syntax", False, f"{lead}: {shown}{more}. Fix it and submit again.")


def _facts(df: Dockerfile, final: Stage) -> Facts:
    runs: list[Run] = []
    pips: list[Pip] = []
    for stage in df.stages:
        for ins in stage.instructions:
            if ins.name != "RUN":
                continue
            commands = tuple(run_commands(ins, stage, df.lines))
            runs.append(Run(stage, ins, commands))
            pips.extend(Pip(call, stage, ins) for call in map(pip_call, commands) if call is not None)
    ids = frozenset(s.index for s in df.lineage(final))
    return Facts(df, final, ids, tuple(runs), tuple(pips))


# --- R1: the final base image ----------------------------------------------------------------------


def r1(f: Facts) -> Check:
    image, line = f.df.root_image(f.final)
    problem = base_image_problem(image)
    if problem is None:
        return Check("R1", True, f"line {line}: the final stage starts FROM `{excerpt(image)}`, a slim glibc base", value=excerpt(image))
    return Check("R1", False, f"line {line}: `FROM {excerpt(image)}`: {problem}", value=excerpt(image))


_ACCEPTED = "Use `python:3.11-slim` (or another `python:3.1x-slim*`, `debian:*-slim` or `gcr.io/distroless/python3*`)"


def base_image_problem(image: str) -> str | None:
    """Why ``image`` is not a slim glibc base with Python; None when it is."""
    ref = image.lower().split("@", 1)[0]
    path, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "")
    parts = path.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    path = "/".join(parts)
    if "alpine" in ref:
        return ("Alpine uses musl libc and torch publishes no musl wheels, so pip tries to build torch from source "
                f"and fails (or takes an hour). {_ACCEPTED}: Debian-based, with glibc")
    if path.startswith("nvidia/"):
        return ("CUDA images carry gigabytes of CUDA libraries a CPU-only torch never loads. "
                f"{_ACCEPTED}")
    if path.startswith("pytorch/"):
        return f"the official PyTorch images ship a CUDA build of torch and conda (several GB). {_ACCEPTED}"
    if path in ("python", "library/python") or path.endswith("/library/python"):
        if re.fullmatch(r"3\.1\d(\.\d+)?t?-slim(-[a-z0-9]+)?", tag):
            return None
        if "slim" in tag:
            return "pin a Python that torch 2.14 supports by its minor version (3.10 or newer): `python:3.11-slim`"
        return ("the full Python image is about 1 GB (compilers, headers, docs) that an inference image never uses; "
                "`python:3.11-slim` is about 130 MB")
    if re.search(r"(^|/)distroless/python3(-debian\d+)?$", path):
        return None
    if path in ("debian", "library/debian") and "slim" in tag:
        return None
    if path == "scratch":
        return f"`scratch` is empty: there is no Python or libc to run torch. {_ACCEPTED}"
    return f"not one of the slim bases this challenge accepts. {_ACCEPTED}"


# --- R2: the CPU wheel index -----------------------------------------------------------------------


def _is_cpu(url: str | None) -> bool:
    return url is not None and url.strip().rstrip("/").lower() == CPU_INDEX


def _torch_words(p: Pip) -> str:
    return " ".join(str(r) for r in p.call.named(TORCH))


def r2(f: Facts) -> Check:
    named = [p for p in f.pips if p.call.named(TORCH)]
    if not named:
        return Check("R2", False, "torch is never installed by name, and the grader reads only the Dockerfile "
                     "(a requirements.txt it cannot see does not count). Install it in its own step: " + _FIX_TORCH)
    fetching = [p for p in named if "--no-index" not in p.call.options]
    if not fetching:
        return Check("R2", False, f"line {named[0].line}: torch is installed with --no-index from local files; "
                     f"download those wheels with `--index-url {CPU_INDEX}` in this Dockerfile")
    for p in fetching:
        problem = _index_problem(p)
        if problem:
            return Check("R2", False, f"line {p.line}: `{excerpt(_torch_words(p), 40)}` {problem}")
    return Check("R2", True, f"line {fetching[0].line}: torch comes from the CPU-only index {CPU_INDEX}")


def _index_problem(p: Pip) -> str | None:
    opts = p.call.options
    primary = p.call.option("--index-url") or p.call.option("--default-index")
    primary = primary or p.env("PIP_INDEX_URL") or p.env("UV_INDEX_URL") or p.env("UV_DEFAULT_INDEX")
    extras = [*opts.get("--extra-index-url", []), *(p.env("PIP_EXTRA_INDEX_URL") or "").split()]
    if p.call.tool == "uv":  # uv takes each package from the first index that has it: --index/--extra-index-url win
        extras += [*opts.get("--index", []), *(p.env("UV_INDEX") or "").split(), *(p.env("UV_EXTRA_INDEX_URL") or "").split()]
        if (_is_cpu(primary) or any(map(_is_cpu, extras))) and p.call.option("--index-strategy") != "unsafe-best-match":
            return None
    if _is_cpu(primary):
        return None
    if any(map(_is_cpu, extras)):
        return ("adds the CPU index with --extra-index-url, beside PyPI: pip then takes the best match from both, "
                "and PyPI's Linux torch is the CUDA build (with ~3 GB of nvidia-* wheels). "
                f"Use `--index-url {CPU_INDEX}` so the CPU index is the only source (it also serves torch's dependencies)")
    if primary:
        return f"reads the index `{excerpt(primary, 60)}`, not the CPU-only one: use `--index-url {CPU_INDEX}`"
    return ("downloads from PyPI, whose Linux torch is the CUDA build: ~3 GB of nvidia-* libraries a CPU image never "
            f"uses. Add `--index-url {CPU_INDEX}` (that index also serves torch's own dependencies)")


# --- R3: no pip cache in the image -----------------------------------------------------------------


def r3(f: Facts) -> Check:
    installs = [p for p in f.pips if p.call.subcommand == "install" and p.stage.index in f.image_ids]
    if not installs:
        return Check("R3", True, "no pip install runs in the final image's stages, so no pip cache can end up there")
    bad = [p for p in installs if not _no_cache(p, f)]
    if not bad:
        return Check("R3", True, "every pip install in the final image skips the download cache")
    numbers = sorted({p.line for p in bad})
    lines = ", ".join(map(str, numbers[:5]))
    return Check("R3", False, f"line{'s' if len(numbers) > 1 else ''} {lines}: pip keeps every downloaded wheel in ~/.cache/pip, inside the layer "
                 "(about 200 MB more for CPU torch). Add `--no-cache-dir` to each `pip install`, or set "
                 "`ENV PIP_NO_CACHE_DIR=1` before the first one, or use `RUN --mount=type=cache,target=/root/.cache/pip`")


def _mounted(ins: Instruction, path: str) -> bool:
    """A cache or tmpfs mount over ``path`` (or a folder above it) keeps it out of the layer."""
    for m in ins.mounts():
        target = (m.get("target") or m.get("dst") or m.get("destination") or "").rstrip("/")
        if m.get("type") in ("cache", "tmpfs") and target and (path + "/").startswith(target + "/"):
            return True
    return False


def _no_cache(p: Pip, f: Facts) -> bool:
    if p.call.tool == "uv":
        if "--no-cache" in p.call.options or p.env("UV_NO_CACHE"):
            return True
    elif "--no-cache-dir" in p.call.options or p.env("PIP_NO_CACHE_DIR"):
        return True
    if any(m.get("type") in ("cache", "tmpfs") and "/.cache" in (m.get("target") or m.get("dst") or "") for m in p.ins.mounts()):
        return True  # ~/.cache (or ~/.cache/pip) of whichever user is a BuildKit cache, not part of the layer
    run = next(r for r in f.runs if r.ins is p.ins)
    at = next(i for i, c in enumerate(run.commands) if c is p.call.command)
    later = run.commands[at + 1:]
    return any(_removes_cache(c) or c.argv[1:3] in (("cache", "purge"), ("cache", "clean")) for c in later)


def _removes_cache(c: Command) -> bool:
    return c.program == "rm" and any(a.rstrip("/*").endswith((".cache", ".cache/pip", ".cache/uv")) for a in c.argv[1:])


def _removes(c: Command, paths: tuple[str, ...]) -> bool:
    return c.program == "rm" and any(a.rstrip("*").rstrip("/") in paths for a in c.argv[1:])


# --- R4: pinned torch / torchvision --------------------------------------------------------------


def _pinned(req: Requirement) -> bool:
    specs = list(req.specifier)
    return bool(req.url) or (len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version)


def r4(f: Facts) -> Check:
    reqs = [(p, r) for p in f.pips for r in p.call.named(TORCH)]
    if not any(canonicalize_name(r.name) == "torch" for _, r in reqs):
        return Check("R4", False, "torch is never named in a pip command, so its version cannot be seen; "
                     "install it pinned: " + _FIX_TORCH)
    for p, r in reqs:
        if not _pinned(r):
            return Check("R4", False, f"line {p.line}: `{excerpt(str(r), 40)}` is not a pin, so each build may get "
                         "another torch (and a torchvision built for a different torch). Pin exact versions that "
                         "belong together: `torch==2.14.1 torchvision==0.29.1`")
    pins: dict[str, str] = {canonicalize_name(r.name): next(iter(r.specifier)).version for _, r in reqs if not r.url}
    mismatch = _pair_problem(pins.get("torch"), pins.get("torchvision"))
    if mismatch:
        return Check("R4", False, f"line {reqs[0][0].line}: {mismatch}")
    shown = ", ".join(sorted({excerpt(str(r), 30) for _, r in reqs}))
    return Check("R4", True, f"pinned: {shown}")


def _pair_problem(torch: str | None, vision: str | None) -> str | None:
    """torchvision 0.(X+15) goes with torch 2.X; pip cannot resolve another pair."""
    if not torch or not vision:
        return None
    t = re.match(r"(\d+)\.(\d+)", torch)
    v = re.match(r"0\.(\d+)", vision)
    if not t or not v or t.group(1) != "2":
        return None
    want = int(t.group(2)) + 15
    if int(v.group(1)) == want:
        return None
    return (f"torchvision=={vision} is not built for torch=={torch}: torch 2.{t.group(2)} pairs with torchvision "
            f"0.{want}.x, and pip cannot install the two together")


# --- R5: apt-get in one lean layer ---------------------------------------------------------------


def _apt(c: Command, verb: str) -> bool:
    return c.program in ("apt-get", "apt") and verb in c.argv[1:]


def _no_recommends(c: Command) -> bool:
    return "--no-install-recommends" in c.argv or any(
        re.search(r"Install-Recommends=(false|0|no)", a, re.I) for a in c.argv)


def r5(f: Facts) -> Check:
    runs = [r for r in f.final_runs() if any(_apt(c, "install") or _apt(c, "update") for c in r.commands)]
    if not runs:
        return Check("R5", True, "no apt-get in the final image's stages")
    for run in runs:
        for c in run.commands:
            if _apt(c, "install") and not _no_recommends(c):
                return Check("R5", False, f"line {c.line}: `apt-get install` without `--no-install-recommends` also "
                             "installs every recommended package (often 100+ MB). Add `--no-install-recommends`")
        lists = "/var/lib/apt/lists"
        if not _mounted(run.ins, lists) and not any(_removes(c, (lists, "/var/lib/apt")) for c in run.commands):
            later = next((r.ins.line for r in f.final_runs() if r.ins.line > run.ins.line
                          and any(_removes(c, (lists,)) for c in r.commands)), None)
            why = (f" The `rm` on line {later} is in a later RUN: each RUN is a layer, and deleting files in a later "
                   "layer hides them without shrinking the image." if later else "")
            return Check("R5", False, f"line {run.ins.line}: the package lists that `apt-get update` downloads "
                         "(tens of MB) stay in this layer. End the same RUN with `&& rm -rf /var/lib/apt/lists/*`." + why)
    return Check("R5", True, f"line {runs[0].ins.line}: apt-get installs without recommends and cleans its lists in the same layer")


# --- R6: dependencies before source (layer caching) ----------------------------------------------

_DEPENDENCY_FILES = {"pyproject.toml", "setup.py", "setup.cfg", "poetry.lock", "uv.lock", "pipfile", "pipfile.lock"}
_NOT_SOURCE = {"pipfile", "makefile", "license", "readme", "dockerfile", "notice", "copying"}


def _is_source(src: str) -> bool:
    if src.rstrip("/") in ("", ".", "*", "./*", "..") or src.endswith("/"):
        return True
    base = src.rsplit("/", 1)[-1].lower()
    if base in _DEPENDENCY_FILES or re.fullmatch(r".*(requirements|constraints).*\.(txt|in)", base):
        return False
    if "." not in base:
        return base not in _NOT_SOURCE  # a folder such as src/ or app/
    return base.endswith((".py", ".pyx", ".ipynb"))


def _source_copy(ins: Instruction) -> bool:
    if ins.name not in ("COPY", "ADD") or ins.flag("from") is not None or ins.heredocs:
        return False
    words = ins.words()
    return any(_is_source(s) for s in words[:-1] if "://" not in s and not s.startswith("git@"))


def _installs_dependencies(p: Pip) -> bool:
    return p.call.subcommand == "install" and bool(p.call.requirements or p.call.options.get("--requirement"))


def r6(f: Facts) -> Check:
    pips_by_ins = {id(p.ins): p for p in reversed(f.pips) if _installs_dependencies(p)}
    for stage in f.df.stages:
        copied: Instruction | None = None
        for s in f.df.lineage(stage):
            for ins in s.instructions:
                if copied is None and _source_copy(ins):
                    copied = ins
                elif copied is not None and id(ins) in pips_by_ins:
                    p = pips_by_ins[id(ins)]
                    return Check("R6", False, f"line {p.line}: `pip install` runs after line {copied.line} copied your "
                                 f"source (`{copied.name} {excerpt(copied.value, 30)}`). Docker reuses a layer only while everything "
                                 "before it is unchanged, so every code edit reinstalls the dependencies. Copy "
                                 "requirements.txt alone, install, then copy the rest: `COPY requirements.txt .` → "
                                 "`RUN pip install ...` → `COPY . .`")
    return Check("R6", True, "dependencies are installed before the source is copied, so code edits reuse the install layer")


# --- R7: a non-root user -------------------------------------------------------------------------

_KNOWN_USERS = {"nobody", "nonroot", "www-data", "daemon"}


def r7(f: Facts) -> Check:
    users = [(s, ins) for s, ins in f.final_instructions() if ins.name == "USER"]
    image, _ = f.df.root_image(f.final)
    if not users:
        if ":nonroot" in image.lower() and "distroless" in image.lower():
            return Check("R7", True, "the distroless `:nonroot` image runs as uid 65532 without a USER line")
        return Check("R7", False, "there is no USER in the final stage, so the app runs as root: a bug or exploit in "
                     "it can change anything in the container and in mounted volumes. Add "
                     "`RUN useradd --create-home --uid 10001 app` and `USER app` before CMD")
    stage, ins = users[-1]
    words = ins.words()
    user = expand(words[0], lambda n: stage.lookup(n, ins.line)).split(":")[0] if words else ""
    if user in ("root", "0"):
        return Check("R7", False, f"line {ins.line}: the last USER is `{excerpt(user, 20)}` (the last one wins): "
                     "switch back to an unprivileged user after the steps that need root")
    if not user:
        return Check("R7", True, f"line {ins.line}: USER `{excerpt(ins.value, 30)}` (its variable has no default here; "
                     "make sure it is not root)")
    note = ""
    created = any(c.program in ("useradd", "adduser") and user in c.argv for r in f.runs for c in r.commands)
    if not user.isdigit() and not created and user not in _KNOWN_USERS:
        note = f"; no useradd/adduser here creates `{excerpt(user, 20)}`, so make sure the base image has it"
    return Check("R7", True, f"line {ins.line}: the app runs as `{excerpt(user, 20)}`{note}")


# --- R8: exec-form CMD / ENTRYPOINT --------------------------------------------------------------


def r8(f: Facts) -> Check:
    last: dict[str, Instruction] = {}
    for _, ins in f.final_instructions():
        if ins.name in ("CMD", "ENTRYPOINT"):
            last[ins.name] = ins
    if not last:
        return Check("R8", False, "the final stage has no CMD or ENTRYPOINT, so the container starts the base image's "
                     "default (a Python prompt). End with e.g. `CMD [\"python\", \"app.py\"]`")
    for ins in last.values():
        if ins.exec_form() is None:
            return Check("R8", False, f"line {ins.line}: {_shell_form_problem(ins)}")
    shown = " + ".join(f"{n} (line {i.line})" for n, i in sorted(last.items()))
    return Check("R8", True, f"{shown} in exec form: the app is PID 1 and receives SIGTERM on `docker stop`")


def _shell_form_problem(ins: Instruction) -> str:
    text = ins.args.strip()
    if text.startswith("["):
        return (f"`{ins.name} {excerpt(text, 40)}` is not valid JSON (use double quotes, no trailing comma), so Docker "
                "silently runs it as a shell string, which fails at start")
    try:
        fix = json.dumps(shlex.split(text))
    except ValueError:
        fix = '["python", "app.py"]'
    return (f"`{ins.name} {excerpt(text, 40)}` is shell form: Docker runs it under `/bin/sh -c`, so sh is PID 1 and "
            "does not pass SIGTERM on; `docker stop` waits 10 s and kills the app uncleanly. "
            f"Write it as JSON: `{ins.name} {excerpt(fix, 60)}`")


# --- R9 (bonus): multi-stage ---------------------------------------------------------------------


def r9(f: Facts) -> Check:
    copies = [ins for _, ins in f.final_instructions() if ins.name == "COPY" and ins.flag("from") is not None]
    if len(f.df.stages) > 1 and copies:
        return Check("R9", True, f"multi-stage: the final stage copies only what it needs from "
                     f"`{excerpt(copies[0].flag('from') or '', 20)}` (line {copies[0].line})", warning=True)
    return Check("R9", False, "bonus, not required: build in one stage (`FROM python:3.11-slim AS build`, make a venv, "
                 "pip install) and `COPY --from=build /opt/venv /opt/venv` into a clean final stage, so build tools "
                 "never reach the image. https://docs.docker.com/build/building/multi-stage/", warning=True)


# --- R10: no secrets in ENV / ARG ----------------------------------------------------------------

_SECRET_WORDS = {"TOKEN", "SECRET", "SECRETS", "PASSWORD", "PASSWD", "PASS", "PASSPHRASE", "KEY", "APIKEY",
                 "ACCESSKEY", "PRIVATEKEY", "CREDENTIAL", "CREDENTIALS"}
_PUBLIC_WORDS = {"PUBLIC", "PUB", "GPG", "PGP"}
_SAFE_SUFFIXES = {"FILE", "PATH", "DIR", "URL", "URI", "HOST", "PORT", "NAME", "ID"}
_SECRET_VALUES = (
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{22,}"), "a GitHub token"),
    (re.compile(r"\bhf_[A-Za-z0-9]{30,}"), "a Hugging Face token"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"), "an API secret key"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), "a Google API key"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.I), "a password inside a URL"),
)


def secret_name(name: str) -> bool:
    words = [w.upper() for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z0-9]+(?![a-z])", name)]
    return (bool(words) and any(w in _SECRET_WORDS for w in words) and not any(w in _PUBLIC_WORDS for w in words)
            and words[-1] not in _SAFE_SUFFIXES)


def _secret_value(text: str) -> str | None:
    return next((what for pattern, what in _SECRET_VALUES if pattern.search(text)), None)


def _literal(raw: str) -> bool:
    s = raw.strip()
    return bool(s) and not re.fullmatch(r"\$\{?\w+(:?[-+][^}]*)?\}?", s) and not s.startswith(("/", "./", "~"))


def _all_definitions(f: Facts) -> Iterator[Definition]:
    yield from f.df.global_args
    for stage in f.df.stages:
        yield from (d for d in stage.definitions if not d.inherited)


def r10(f: Facts) -> Check:
    bare: list[Definition] = []
    for d in _all_definitions(f):
        what = _secret_value(d.raw or "") or ("a literal value" if secret_name(d.name) and _literal(d.raw or "") else None)
        if what:
            return Check("R10", False, f"line {d.line}: `{d.kind} {excerpt(d.name, 30)}` holds {what}. {d.kind} values "
                         "are stored in the image (`docker history`, `docker inspect`) for anyone who pulls it, and in "
                         "git with the Dockerfile. Pass it at build time with `RUN --mount=type=secret,id=...` and at "
                         "run time with `docker run -e` or a secret store, and revoke this one")
        if d.raw is None and secret_name(d.name):
            bare.append(d)
    for run in f.runs:
        what = _secret_value(run.ins.value + "".join(body for _, body, _ in run.ins.heredocs))
        if what:
            return Check("R10", False, f"line {run.ins.line}: this RUN contains {what}; the command line is kept in "
                         "the image history. Use `RUN --mount=type=secret,id=...` and read it from /run/secrets/")
    if bare:
        return Check("R10", True, f"no literal secrets; note that a `--build-arg {excerpt(bare[0].name, 30)}=...` value "
                     f"(ARG on line {bare[0].line}) is recorded in the image history: prefer `RUN --mount=type=secret`")
    return Check("R10", True, "no secrets in ENV, ARG or RUN")


# --- notes: .dockerignore and hadolint -----------------------------------------------------------

_IGNORE_WANTED = {
    ".git": {".git", "**/.git", ".git*"},
    "a virtualenv": {".venv", "venv", "**/.venv", "**/venv", ".venv*", "env"},
    "__pycache__": {"__pycache__", "**/__pycache__", "*.pyc", "**/*.pyc", "*.py[cod]", "**/*.py[cod]"},
}


def dockerignore(f: Facts, text: str | None) -> Check:
    broad = next((ins for s in f.df.stages for ins in s.instructions
                  if _source_copy(ins) and any(w.rstrip("/") in (".", "*", "./*") for w in ins.words()[:-1])), None)
    if broad is None:
        return Check("dockerignore", True, "only named files are copied into the image", warning=True)
    if text is None:
        return Check("dockerignore", False, f"line {broad.line} copies the whole folder and there is no .dockerignore: "
                     ".git, virtualenvs, caches and data end up in the build context and the image. Add a .dockerignore",
                     warning=True)
    if len(text.encode("utf-8", "replace")) > DOCKERIGNORE_MAX_BYTES:
        return Check("dockerignore", False, f".dockerignore is over {DOCKERIGNORE_MAX_BYTES} bytes and was not read", warning=True)
    patterns = {ln.strip().lstrip("/").rstrip("/") for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")}
    if patterns & {"*", "**", "**/*"}:
        return Check("dockerignore", True, ".dockerignore excludes everything by default and lists what to keep", warning=True)
    missing = [what for what, alts in _IGNORE_WANTED.items() if not patterns & alts]
    if missing:
        return Check("dockerignore", False, f".dockerignore does not exclude {', '.join(missing)}", warning=True)
    return Check("dockerignore", True, ".dockerignore keeps .git, virtualenvs and caches out of the image", warning=True)


def lint_checks(df: Dockerfile) -> list[Check]:
    """hadolint's findings as warnings, most severe first, at most ``MAX_LINT_CHECKS`` of them."""
    text, origin = _lintable(df)
    findings = sorted(hadolint.lint(text), key=lambda x: (hadolint.LEVELS.index(x.level), x.line))
    checks = []
    for h in findings[:MAX_LINT_CHECKS]:
        line = origin[h.line - 1] if 0 < h.line <= len(origin) else h.line
        if h.synthetic:
            checks.append(Check(f"hadolint:{h.code}", True, h.message, warning=True))
        elif h.code == "DL1000":  # Docker's syntax was checked above; this is hadolint's parser giving up
            checks.append(Check("hadolint:DL1000", True, f"hadolint could not parse line {line} and skipped its "
                                "checks; Docker reads this file (we checked its syntax)", warning=True))
        else:
            where = f"line {line}: " if line else ""
            checks.append(Check(f"hadolint:{h.code}", False, f"{where}{h.message} ({h.level}; {h.url})", warning=True))
    if len(findings) > MAX_LINT_CHECKS:
        checks.append(Check("hadolint:more", False, f"{len(findings) - MAX_LINT_CHECKS} more hadolint findings not shown", warning=True))
    return checks


def _lintable(df: Dockerfile) -> tuple[str, list[int]]:
    """The text for hadolint, with a blank line after each heredoc's end (its parser fails on an
    instruction right after one: hadolint/hadolint#960), and each of its lines' original number."""
    ends = {ins.end_line for stage in df.stages for ins in stage.instructions if ins.heredocs}
    out: list[str] = []
    origin: list[int] = []
    for n, line in enumerate(df.lines, 1):
        out.append(line)
        origin.append(n)
        if n in ends:
            out.append("")
            origin.append(n)
    return "\n".join(out), origin
