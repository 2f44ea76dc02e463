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
import fcntl
import functools
import glob
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.core.errors import SandboxError, SandboxUnavailable
from sandbox.core.isolation import JobPlan, RootPlan

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # sandbox/core/pool.py -> the project

#: Modules every zygote imports before forking (learners' usual imports). Some load lazily on first
#: use (torch.save/load's torch.utils.serialization; torchvision.transforms.v2 costs 3.8 s cold
#: here): preloaded, no job pays for them inside its phases.
DEFAULT_PRELOAD = (
    "numpy", "torch", "torch.nn", "torch.nn.functional", "torch.optim", "torch.optim.lr_scheduler",
    "torch.utils.data", "torch.utils.serialization", "torchvision", "torchvision.transforms",
    "torchvision.transforms.v2", "torchvision.transforms.v2.functional", "torchvision.datasets", "torchvision.models",
    "torchvision.models.feature_extraction", "torchaudio", "torchaudio.transforms", "torchaudio.functional",
    "torch.fx", "torch.export", "PIL.Image", "PIL.ImageFile", "PIL.PngImagePlugin", "math", "random", "collections",
    "itertools", "functools", "dataclasses", "typing", "sandbox.core.protocol",
)
#: How often a job waiting for the zygote looks again (its start takes seconds; this costs nothing).
READY_POLL_S = 0.02
#: Project files a job may see (relative to the project root), everything else stays hidden.
DEFAULT_EXPORT = ("sandbox/__init__.py", "sandbox/core/*.py")


@dataclass(frozen=True)
class PoolConfig:
    """Warm-pool settings with their documented defaults (``bot.settings`` passes overrides).

    size: jobs run at once (one zygote serves them all; each running job holds one slot, one
    cgroup and one uid). spare_slots: extra slots, so that a slot's next spare child has time to
    be enclosed and pre-faulted while other slots run jobs (size + spare_slots slots in all, at
    most size busy). uid_base / uid_count: the host-wide range job uids come from; each slot
    leases one uid of it for the supervisor's lifetime, under a lock every supervisor of the host
    honours (``UidLeases``), so two supervisors never hand out the same uid. preload / warmup: what the zygote imports and runs before the first fork (modules that are
    not part of the export must be importable from the venv). export: glob patterns, relative
    to the project root, of our own files a job may see (everything else stays hidden). scratch_inodes: inode cap of the job's scratch tmpfs. state_dir: root-only directory for
    the export and the new-root mountpoint. gpu_devices: CUDA device indices this worker may hand
    to jobs (one job per device at a time); gpu_memory_fraction: per-job cap via
    ``torch.cuda.set_per_process_memory_fraction``. start_timeout_s: zygote start-up limit.
    cores: the cores jobs may use (empty: every core the supervisor may run on); pin_cores: give
    each running job a lane of its own of them (``sandbox.core.cpus``; ``size`` lanes, so a size
    above ``fitting_pool_size`` shares cores and is reported as such).
    """

    size: int = 2
    spare_slots: int = 2
    uid_base: int = 61000
    uid_count: int = 1000
    preload: tuple[str, ...] = DEFAULT_PRELOAD
    warmup: bool = True
    scratch_inodes: int = 10_000
    state_dir: str = "/run/torch-tutor"
    export: tuple[str, ...] = DEFAULT_EXPORT
    gpu_devices: tuple[str, ...] = ()
    gpu_memory_fraction: float = 0.9
    start_timeout_s: float = 180.0
    extra_exec_binds: tuple[str, ...] = field(default_factory=tuple)
    seccomp_log: bool = False
    cores: tuple[int, ...] = ()
    pin_cores: bool = True


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


def _elf_needed(path: str) -> list[str]:
    """DT_NEEDED names of a 64-bit little-endian ELF file (x86_64, aarch64); [] for anything else."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if len(head) < 64 or head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
                return []
            phoff, phentsize, phnum = (int.from_bytes(head[a:b], "little") for a, b in ((32, 40), (54, 56), (56, 58)))
            f.seek(phoff)
            table = f.read(phentsize * phnum)
            loads, dynamic = [], None
            for i in range(phnum):
                ph = table[i * phentsize:(i + 1) * phentsize]
                kind, offset, vaddr, size = (int.from_bytes(ph[a:b], "little") for a, b in ((0, 4), (8, 16), (16, 24), (32, 40)))
                if kind == 1:  # PT_LOAD
                    loads.append((vaddr, offset, size))
                elif kind == 2:  # PT_DYNAMIC
                    dynamic = (offset, size)
            if dynamic is None:
                return []
            f.seek(dynamic[0])
            data = f.read(dynamic[1])
            needed, strtab = [], None
            for j in range(0, len(data) - 15, 16):
                tag, value = int.from_bytes(data[j:j + 8], "little"), int.from_bytes(data[j + 8:j + 16], "little")
                if tag == 0:
                    break
                if tag == 1:  # DT_NEEDED
                    needed.append(value)
                elif tag == 5:  # DT_STRTAB (an address: map it to a file offset)
                    strtab = next((o + value - v for v, o, n in loads if v <= value < v + n), None)
            if strtab is None:
                return []
            names = []
            for offset in needed:
                f.seek(strtab + offset)
                names.append(f.read(256).split(b"\0", 1)[0].decode(errors="replace"))
            return names
    except OSError:
        return []


def _ld_search_dirs() -> list[str]:
    """The directories the dynamic linker searches, in order: ld.so.conf (and its includes), then
    the built-in multiarch and default ones."""
    found: list[str] = []

    def read(conf: str, depth: int = 0) -> None:
        try:
            lines = Path(conf).read_text().splitlines()
        except OSError:
            return
        for line in lines:
            line = line.split("#", 1)[0].strip()
            if line.startswith("include") and depth < 4:
                for inc in sorted(glob.glob(os.path.join(os.path.dirname(conf), line.split(None, 1)[1]))):
                    read(inc, depth + 1)
            elif line.startswith("/"):
                found.append(line)

    read("/etc/ld.so.conf")
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    defaults = [f"/lib/{multiarch}", f"/usr/lib/{multiarch}"] if multiarch else []
    return list(dict.fromkeys([*found, *defaults, "/lib64", "/usr/lib64", "/lib", "/usr/lib"]))


@functools.lru_cache(maxsize=8)
def shared_library_dirs(trees: tuple[str, ...], files: tuple[str, ...], sonames: tuple[str, ...] = (),
                        skip: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The system directories holding the shared libraries that the ELF files under ``trees`` (the
    stdlib's extension modules, the venv's wheels) and ``files`` (the interpreter, libpython) need,
    transitively, plus those holding ``sonames`` (libraries loaded with dlopen, such as libcuda)
    and the dynamic loader. Libraries a wheel bundles (found next to it through $ORIGIN) do not
    count; nor do trees under ``skip`` (hidden from jobs)."""
    elves: list[str] = [f for f in files if os.path.isfile(f)]
    for tree in trees:
        for dirpath, dirnames, names in os.walk(tree):
            dirnames[:] = [d for d in dirnames if d != "__pycache__" and os.path.join(dirpath, d) not in skip]
            elves += [os.path.join(dirpath, n) for n in names if n.endswith(".so") or ".so." in n]
    bundled = {os.path.basename(p) for p in elves}
    search = _ld_search_dirs()
    dirs: set[str] = set()
    seen: set[str] = set()
    todo = [(path, True) for path in elves] + [(name, False) for name in sonames]
    while todo:
        item, is_path = todo.pop()
        wanted = _elf_needed(item) if is_path else [item]
        for name in wanted:
            if (is_path and name in bundled) or name in seen:
                continue
            seen.add(name)
            lib = next((os.path.join(d, name) for d in search if os.path.exists(os.path.join(d, name))), None)
            if lib is not None:
                dirs.add(os.path.dirname(os.path.realpath(lib)))
                todo.append((lib, True))
    for interp in glob.glob("/lib*/ld-linux*.so*") + glob.glob("/lib/*/ld-linux*.so*"):
        dirs.add(os.path.dirname(os.path.realpath(interp)))
    return tuple(sorted(dirs))


def python_binds() -> tuple[list[str], list[str]]:
    """(exec binds, paths to hide) for the interpreter: its stdlib with the extension modules in
    lib-dynload, libpython, and the venv's site-packages, never the rest of the base prefix (its
    bin/, include/, share/, or the base interpreter's own site-packages unless the venv uses them)."""
    paths = sysconfig.get_paths()
    stdlib = os.path.realpath(paths["stdlib"])
    site = {os.path.realpath(paths[k]) for k in ("purelib", "platlib")}
    on_path = {os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)}
    binds = {stdlib, *site}
    binds.update(p for p in on_path if os.path.basename(p) == "lib-dynload")  # outside the stdlib on some distros
    binds = {b for b in binds if not any(b != o and b.startswith(o + "/") for o in binds)}  # no nested binds
    libdir, soname = sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("INSTSONAME")
    if libdir and soname and os.path.isfile(os.path.join(libdir, soname)):
        binds.add(os.path.realpath(os.path.join(libdir, soname)))
    hide = []
    base_site = os.path.join(stdlib, "site-packages")
    if os.path.isdir(base_site) and base_site not in on_path and base_site not in site:
        hide.append(base_site)
    return sorted(b for b in binds if os.path.exists(b)), hide


#: Libraries the CUDA runtime loads with dlopen (so no DT_NEEDED names them).
GPU_SONAMES = ("libcuda.so.1", "libnvidia-ml.so.1", "libnvidia-ptxjitcompiler.so.1")


def root_plan(config: PoolConfig, hide: list[str]) -> RootPlan:
    """What a job's root holds: the stdlib, the venv's site-packages, the shared libraries they
    need, our export. Nothing else."""
    exec_binds, hidden = python_binds()
    trees = tuple(b for b in exec_binds if os.path.isdir(b))
    files = (os.path.realpath(sys.executable), *(b for b in exec_binds if os.path.isfile(b)))
    sonames = GPU_SONAMES if config.gpu_devices else ()
    lib_dirs = shared_library_dirs(trees, files, sonames, tuple(hidden))
    symlinks = {}
    for top in ("/lib", "/lib64", "/lib32", "/libx32", "/usr/lib", "/usr/lib64", "/usr/lib32"):
        if os.path.islink(top):
            symlinks[top] = os.readlink(top)
    exec_binds = [*exec_binds, *(d for d in lib_dirs if not any(d == b or d.startswith(b + "/") for b in exec_binds))]
    exec_binds.extend(config.extra_exec_binds)
    placeholders = [os.path.relpath(p, PROJECT_ROOT) for p in exec_binds if p.startswith(str(PROJECT_ROOT) + "/")]
    os.makedirs(config.state_dir, mode=0o700, exist_ok=True)
    sweep_state_dir(config.state_dir)
    export = make_export(config.state_dir, config.export, placeholders)
    return RootPlan(
        mountpoint=os.path.join(config.state_dir, "root"), exec_binds=exec_binds,
        data_binds={str(PROJECT_ROOT): export}, symlinks=symlinks, hide=[*hidden, *hide],
    )


def _uids_in_use() -> set[int]:
    """Every uid (real, effective, saved, filesystem) a live process of this host runs as."""
    found: set[int] = set()
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            with open(status) as fh:
                for line in fh:
                    if line.startswith("Uid:"):
                        found.update(int(u) for u in line.split()[1:])
                        break
        except (OSError, ValueError):
            continue
    return found


class UidLeases:
    """Job uids handed out host-wide, so that jobs of different supervisors on one host (two
    workers, or a worker and ``tutor grade``) never share one.

    Each uid of ``[base, base + count)`` has a lock file in ``directory`` (root-only, under the
    pool's state dir); a slot takes the first free uid (starting from ``base + slot``, the old
    fixed mapping, when nobody else holds it) by an exclusive, non-blocking ``flock`` on its file
    and keeps the lock, and so the uid, for the supervisor's lifetime. The kernel drops the lock
    when the supervisor's process dies, however it dies, so a stale lease is recovered by the next
    taker; a uid that any live process of the host still runs as (a dead supervisor's job that is
    still being killed, or anything else) is skipped all the same.
    """

    def __init__(self, directory: str, base: int, count: int) -> None:
        self.directory, self.base, self.count = directory, base, count
        self._held: dict[int, tuple[int, int]] = {}  # slot -> (uid, fd of its locked file)
        self._lock = threading.Lock()

    def uid_for(self, slot: int) -> int:
        with self._lock:
            held = self._held.get(slot)
            if held is not None:
                return held[0]
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            mine = {uid for uid, _ in self._held.values()}
            busy = _uids_in_use()
            for i in range(self.count):
                uid = self.base + (slot + i) % self.count
                if uid in mine or uid in busy:
                    continue
                fd = os.open(os.path.join(self.directory, str(uid)), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    os.close(fd)
                    continue
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._held[slot] = (uid, fd)
                return uid
        raise SandboxUnavailable(f"no free job uid in {self.base}-{self.base + self.count - 1}: "
                                 "every one is leased by another supervisor or in use on this host")

    @property
    def uids(self) -> set[int]:
        with self._lock:
            return {uid for uid, _ in self._held.values()}

    def release(self) -> None:
        """Give every uid back (only once no process of ours runs as one of them)."""
        with self._lock:
            held, self._held = self._held, {}
        for _, fd in held.values():
            with contextlib.suppress(OSError):
                os.close(fd)


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
        self.uids = UidLeases(os.path.join(config.state_dir, "uids"), config.uid_base, config.uid_count)
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
        """Wait for the zygote on the event loop, not in an executor thread: a thread blocked in
        ``Event.wait`` outlives a pool closed meanwhile and holds up the loop's shutdown for the
        whole start-up limit."""
        self.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.start_timeout_s
        while not self._ready.is_set():
            if self._closing:
                raise ZygoteDied("the warm pool is closing")
            if loop.time() > deadline:
                raise ZygoteDied(f"the warm pool did not start in time ({self.last_error or 'no reason known'})")
            await asyncio.sleep(READY_POLL_S)

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

    def uid_for(self, slot: int) -> int:
        """The job uid of ``slot``: leased host-wide when jobs are isolated (``UidLeases``)."""
        return self.uids.uid_for(slot) if self.isolate else self.config.uid_base + slot

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
        """Start a zygote. Its control socket is its stdin and its configuration the first packet
        on it: nothing of it is in the zygote's argv, which every job inherits (sys.argv, and
        /proc/self/cmdline wherever /proc is visible)."""
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        config = {
            "preload": list(self.config.preload), "warmup": self.config.warmup, "isolate": self.isolate,
            "root": self.root.to_json(), "seccomp_log": self.config.seccomp_log,
        }
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-B", "-m", "sandbox.core.zygote"],
                stdin=child.fileno(), stdout=subprocess.DEVNULL, stderr=None, env=zygote_env(),
                cwd="/", start_new_session=True,
            )
        finally:
            child.close()
        try:
            parent.send(json.dumps(config).encode())
        except OSError:
            with contextlib.suppress(OSError):
                proc.kill()
            proc.wait()
            parent.close()
            raise
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
