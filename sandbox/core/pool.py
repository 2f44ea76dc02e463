"""The warm pool, supervisor side: starts the zygote, asks it for job children, learns how they end.

Why a background thread and not an asyncio task: the CLI calls ``asyncio.run`` once per
submission, while the zygote must outlive event loops (it costs seconds to start). The thread owns
the zygote process (its PR_SET_PDEATHSIG is tied to the thread that spawned it, so it must be a
long-lived one), reads its control socket and resolves each job's futures on the loop that
submitted the job. When the zygote dies, every job that was running on it fails with
``ZygoteDied`` (the runner maps that to ``infrastructure``) and a new zygote is started.

The zygote gets a curated *export* of our own packages (the sandbox core, plus whatever the
caller lists in ``PoolConfig.export``: the grading layer adds the sandbox-side halves of challenge
kinds, never graders, references, seeds or cases) instead of the project tree, so nothing the
trusted side keeps next to the code (``data/``, ``.env``, challenge seeds) is visible in a job's
root. The core itself knows no challenge layout.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.core.errors import SandboxError
from sandbox.core.isolation import JobPlan, RootPlan

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Modules every zygote imports before forking (learners' usual imports).
DEFAULT_PRELOAD = (
    "numpy", "torch", "torch.nn", "torch.nn.functional", "torch.optim", "torch.optim.lr_scheduler",
    "torch.utils.data", "torchvision", "torchvision.transforms", "torchvision.models", "torchaudio",
    "torchaudio.transforms", "math", "random", "collections", "itertools", "functools", "dataclasses",
    "typing", "sandbox.core.protocol",
)
#: Project files a job may see (relative to the project root), everything else stays hidden.
DEFAULT_EXPORT = ("sandbox/__init__.py", "sandbox/core/*.py")


@dataclass(frozen=True)
class PoolConfig:
    """Warm-pool settings with their documented defaults (``bot.settings`` passes overrides).

    size: jobs run at once (one zygote serves them all; each running job holds one slot, one
    cgroup and one uid). spare_slots: extra slots, so that a slot's next spare child has time to
    be enclosed and pre-faulted while other slots run jobs (size + spare_slots slots in all, at
    most size busy). uid_base: job uid = uid_base + slot, distinct per concurrent job.
    preload / warmup: what the zygote imports and runs before the first fork (modules that are
    not part of the export must be importable from the venv). export: glob patterns, relative
    to the project root, of our own files a job may see (everything else stays hidden). scratch_inodes: inode cap of the job's scratch tmpfs. state_dir: root-only directory for
    the export and the new-root mountpoint. gpu_devices: CUDA device indices this worker may hand
    to jobs (one job per device at a time); gpu_memory_fraction: per-job cap via
    ``torch.cuda.set_per_process_memory_fraction``. start_timeout_s: zygote start-up limit.
    """

    size: int = 2
    spare_slots: int = 2
    uid_base: int = 61000
    preload: tuple[str, ...] = DEFAULT_PRELOAD
    warmup: bool = True
    scratch_inodes: int = 10_000
    state_dir: str = "/run/torch-tutor"
    export: tuple[str, ...] = DEFAULT_EXPORT
    gpu_devices: tuple[str, ...] = ()
    gpu_memory_fraction: float = 0.9
    start_timeout_s: float = 180.0
    extra_exec_binds: tuple[str, ...] = field(default_factory=tuple)


class ZygoteDied(SandboxError):
    """The zygote a job ran on died or could not start: the job's fate is unknown (our fault)."""


_export_counter = itertools.count()


def make_export(state_dir: str, patterns: tuple[str, ...], placeholders: list[str]) -> str:
    """Copy the allow-listed project files to a fresh root-owned directory; return its path."""
    target = Path(state_dir) / f"export-{os.getpid()}-{next(_export_counter)}"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True, mode=0o755)
    for pattern in patterns:
        for name in glob.glob(str(PROJECT_ROOT / pattern)):
            rel = Path(name).relative_to(PROJECT_ROOT)
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(name, dest)
            dest.chmod(0o644)
    for placeholder in placeholders:
        (target / placeholder).mkdir(parents=True, exist_ok=True)
    for dirpath, _, _ in os.walk(target):
        os.chmod(dirpath, 0o755)
    return str(target)


def sweep_state_dir(state_dir: str) -> None:
    """Remove exports of supervisors that are gone."""
    for path in glob.glob(os.path.join(state_dir, "export-*")):
        try:
            pid = int(os.path.basename(path).split("-")[1])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except (ValueError, IndexError, PermissionError):
            continue


def root_plan(config: PoolConfig, hide: list[str]) -> RootPlan:
    """What a job's root holds: interpreter, venv, shared libraries, our export. Nothing else."""
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    exec_binds = sorted(prefixes)
    symlinks = {}
    for top in ("/lib", "/lib64", "/lib32", "/libx32", "/usr/lib", "/usr/lib64", "/usr/lib32"):
        if os.path.islink(top):
            symlinks[top] = os.readlink(top)
        elif os.path.isdir(top):
            exec_binds.append(top)
    exec_binds.extend(config.extra_exec_binds)
    placeholders = [os.path.relpath(p, PROJECT_ROOT) for p in exec_binds if p.startswith(str(PROJECT_ROOT) + "/")]
    os.makedirs(config.state_dir, mode=0o700, exist_ok=True)
    sweep_state_dir(config.state_dir)
    export = make_export(config.state_dir, config.export, placeholders)
    return RootPlan(
        mountpoint=os.path.join(config.state_dir, "root"), exec_binds=exec_binds,
        data_binds={str(PROJECT_ROOT): export}, symlinks=symlinks, hide=list(hide),
    )


def zygote_env() -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "TORCHDYNAMO_DISABLE": "1",
        "TORCHINDUCTOR_DISABLE": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg", "CUDA_MODULE_LOADING": "LAZY",
        # Idle OpenMP workers sleep instead of spinning: on a shared 2-core host, spinning made
        # 2-thread CNN training 2-4x slower than 1 thread (measured 1.75 s vs 3.96-6.7 s).
        "OMP_WAIT_POLICY": "PASSIVE",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # hardware workarounds, not secrets
        if key in os.environ:
            env[key] = os.environ[key]
    return env


@dataclass
class _Pending:
    loop: asyncio.AbstractEventLoop
    generation: int
    started: asyncio.Future[int]
    exited: asyncio.Future[int]


class WarmPool:
    """One zygote and its control socket, driven from a dedicated thread."""

    def __init__(self, config: PoolConfig, *, isolate: bool, hide: list[str] | None = None) -> None:
        self.config = config
        self.isolate = isolate
        self.root = root_plan(config, list(hide or [])) if isolate else RootPlan(mountpoint="")
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._ctl: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self.generation = 0
        self.restarts = -1
        self.zygote_pid: int | None = None
        self.zygote_rss_mb = 0.0
        self.zygote_start_s = 0.0
        self.last_error: str | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="tutor-zygote", daemon=True)
                self._thread.start()

    def wait_ready(self, timeout: float | None = None) -> bool:
        self.start()
        return self._ready.wait(self.config.start_timeout_s if timeout is None else timeout)

    async def ready(self) -> None:
        self.start()
        if not self._ready.is_set():
            ok = await asyncio.get_running_loop().run_in_executor(None, self._ready.wait, self.config.start_timeout_s)
            if not ok:
                raise ZygoteDied(f"the warm pool did not start in time ({self.last_error or 'no reason known'})")

    def close(self) -> None:
        self._closing = True
        with self._lock:
            proc, ctl = self._proc, self._ctl
        if ctl is not None:
            with contextlib.suppress(OSError):
                ctl.shutdown(socket.SHUT_RDWR)
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.kill()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        if self.root.data_binds:
            for export in self.root.data_binds.values():
                shutil.rmtree(export, ignore_errors=True)

    def kill_zygote(self) -> None:
        """Kill the current zygote (tests and recovery); the thread starts a new one."""
        with self._lock:
            proc = self._proc
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.kill()

    # --- jobs --------------------------------------------------------------------------------
    async def submit(self, plan: JobPlan, fds: list[int]) -> _Pending:
        """Ask the zygote for a child running ``plan``; the fds are passed (and stay ours to close)."""
        await self.ready()
        loop = asyncio.get_running_loop()
        with self._lock:
            ctl, generation = self._ctl, self.generation
            if ctl is None or not self._ready.is_set():
                raise ZygoteDied("the warm pool's zygote is restarting")
            pending = _Pending(loop, generation, loop.create_future(), loop.create_future())
            self._pending[plan.job_id] = pending
        try:
            socket.send_fds(ctl, [json.dumps({"type": "job", "plan": plan.to_json()}).encode()], fds)
        except OSError as exc:
            with self._lock:
                self._pending.pop(plan.job_id, None)
            raise ZygoteDied(f"cannot reach the zygote: {exc}") from exc
        return pending

    def spare(self, plan: JobPlan) -> None:
        """Ask the zygote to enclose a spare child for ``plan.slot`` ahead of its next job."""
        with self._lock:
            ctl = self._ctl if self._ready.is_set() else None
        if ctl is not None:
            with contextlib.suppress(OSError):
                ctl.send(json.dumps({"type": "spare", "plan": plan.to_json()}).encode())

    def forget(self, job_id: str) -> None:
        with self._lock:
            self._pending.pop(job_id, None)

    # --- the thread --------------------------------------------------------------------------
    def _resolve(self, job_id: str, which: str, value: int | None, error: str | None = None) -> None:
        with self._lock:
            pending = self._pending.get(job_id)
            if pending is not None and which == "exited":
                del self._pending[job_id]
        if pending is None:
            return
        future = pending.started if which == "started" else pending.exited

        def settle() -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(ZygoteDied(error))
            else:
                future.set_result(int(value or 0))

        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
            pending.loop.call_soon_threadsafe(settle)

    def _fail_generation(self, generation: int, reason: str) -> None:
        with self._lock:
            doomed = [(k, p) for k, p in self._pending.items() if p.generation == generation]
            for key, _ in doomed:
                del self._pending[key]
        for _, pending in doomed:
            for future in (pending.started, pending.exited):
                def settle(f: asyncio.Future[int] = future) -> None:
                    if not f.done():
                        f.set_exception(ZygoteDied(reason))
                with contextlib.suppress(RuntimeError):
                    pending.loop.call_soon_threadsafe(settle)

    def _spawn(self) -> tuple[subprocess.Popen[bytes], socket.socket]:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        config = {
            "preload": list(self.config.preload),
            "warmup": self.config.warmup, "isolate": self.isolate, "root": self.root.to_json(),
        }
        config["ctl_fd"] = child.fileno()
        proc = subprocess.Popen(
            [sys.executable, "-I", "-B", "-m", "sandbox.core.zygote", json.dumps(config)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=None, env=zygote_env(),
            cwd="/", pass_fds=(child.fileno(),), start_new_session=True,
        )
        child.close()
        return proc, parent

    def _serve(self) -> None:
        backoff = 0.5
        while not self._closing:
            self.restarts += 1
            try:
                proc, ctl = self._spawn()
            except OSError as exc:
                self.last_error = f"cannot start the zygote: {exc}"
                time.sleep(backoff)
                backoff = min(backoff * 2, 30)
                continue
            with self._lock:
                self._proc, self._ctl = proc, ctl
                self.generation += 1
                generation = self.generation
            started = time.monotonic()
            reason = "the zygote exited"
            try:
                while True:
                    data = ctl.recv(1 << 16)
                    if not data:
                        break
                    message = json.loads(data)
                    kind = message.get("type")
                    if kind == "ready":
                        self.zygote_pid = int(message["pid"])
                        self.zygote_rss_mb = float(message.get("rss_mb", 0.0))
                        self.zygote_start_s = round(time.monotonic() - started, 3)
                        backoff = 0.5
                        self._ready.set()
                    elif kind == "started":
                        self._resolve(str(message["id"]), "started", int(message["pid"]))
                    elif kind == "exit":
                        self._resolve(str(message["id"]), "exited", int(message["status"]))
                    elif kind == "failed":
                        self._resolve(str(message["id"]), "started", None, str(message.get("error")))
                        self._resolve(str(message["id"]), "exited", None, str(message.get("error")))
            except (OSError, ValueError) as exc:
                reason = f"the zygote's control channel failed: {exc}"
            self._ready.clear()
            with self._lock:
                self._ctl = None
            with contextlib.suppress(OSError):
                proc.kill()
            code = proc.wait()
            ctl.close()
            self.last_error = f"{reason} (code {code})"
            self._fail_generation(generation, f"the warm pool's zygote died while the job ran ({self.last_error})")
            if not self._closing and time.monotonic() - started < 5:
                time.sleep(backoff)
                backoff = min(backoff * 2, 30)
