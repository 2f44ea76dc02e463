"""The supervisor: runs one job in an isolated child of the warm pool and says how it ended.

It knows nothing about Discord, the database, challenges or how a verdict is computed: it hands
the job's messages to a caller's ``Conversation`` and sends back its replies, streams phase and
progress events, enforces each phase's deadline and the job's total from outside (SIGKILL to the
slot's whole cgroup), caps messages and output, and turns what happened into a small
``JobOutcome``.
Each job runs in a child forked from the warm zygote (``sandbox.core.pool``), which isolates itself
(``sandbox.core.isolation``) before any learner code runs.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import math
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sandbox.core import protocol
from sandbox.core.cgroups import SlotCgroup, detect_version, sweep_stale
from sandbox.core.cpus import LaneLeases, Lanes, usable_cores
from sandbox.core.errors import ConversationFailed, ProtocolError, SandboxUnavailable
from sandbox.core.isolation import ISOLATION_FAILED, JobPlan
from sandbox.core.job import JobOutcome, JobSpec, RunStatus
from sandbox.core.output import clean_output
from sandbox.core.pool import PoolConfig, WarmPool, ZygoteDied, zygote_env

EventHandler = Callable[[dict[str, Any]], Awaitable[None] | None]
Reply = list[tuple[str, dict[str, Any]]]
ERROR_GRACE_S = 2.0  # after a job reports its error, how long it may take to exit before it is killed
#: Message types the core handles itself; every other type belongs to the conversation.
CORE_MESSAGES = ("isolated", "phase", "progress", "error", "done")
MAX_PROGRESS_STEP = 10**9  # a step count above this is not believed (and not relayed)
log = logging.getLogger(__name__)


class Conversation(Protocol):
    """The caller's side of a job's channel (a grading layer): what to send first, and what to
    answer to each message the job sends. ``receive`` raises ``ProtocolError`` when the job broke
    the conversation (its fault); any other exception is ours (``infrastructure``)."""

    finished: bool

    async def opening(self) -> Reply: ...

    async def receive(self, kind: str, payload: dict[str, Any]) -> Reply: ...
UID_BASE = 61000  # first uid of the host-wide range job uids are leased from (see pool.UidLeases)
_instances = iter(range(1, 1 << 30))


def kernel_problems() -> list[str]:
    """Features the isolated mode needs that this host lacks (empty when all is there)."""
    problems: list[str] = []
    if sys.platform != "linux":
        return ["Linux namespaces, cgroups and seccomp (this is not Linux)"]
    if os.geteuid() != 0:
        problems.append("root to create namespaces, mounts and cgroups (run the worker as root)")
    try:
        detect_version()
    except SandboxUnavailable as exc:
        problems.append(str(exc))
    for ns in ("net", "mnt", "ipc", "uts", "pid", "cgroup"):
        if not os.path.exists(f"/proc/self/ns/{ns}"):
            problems.append(f"the {ns} namespace")
    from sandbox.core.seccomp import available

    missing = available()
    if missing:
        problems.append(missing)
    try:
        with open("/proc/self/status") as status:
            if not any(line.startswith("NoNewPrivs:") for line in status):
                problems.append("no_new_privs (kernel 3.5+)")
    except OSError:
        problems.append("/proc to inspect the kernel")
    if not problems:  # everything is there on paper: now try it (a container may still withhold it)
        from sandbox.core.container import jail_problems

        problems.extend(jail_problems())
    return problems


@dataclass
class _Run:
    spec: JobSpec
    started: float = field(default_factory=time.monotonic)
    deadline: float = 0.0
    hard_deadline: float = 0.0
    messages: int = 0
    infrastructure: bool = False
    phase: str | None = None
    timed_out: bool = False
    output_exceeded: bool = False
    isolated: bool = False
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    outcome: JobOutcome = field(default_factory=lambda: JobOutcome(status="infrastructure"))
    finished_protocol: bool = False
    pid: int | None = None
    returncode: int | None = None
    isolation_ms: dict[str, Any] = field(default_factory=dict)
    marks: dict[str, float] = field(default_factory=dict)

    event_failures: int = 0  # on_event calls that raised (logged once, never the job's fate)

    def mark(self, name: str) -> None:
        self.marks[name] = round((time.monotonic() - self.started) * 1000, 1)


class Sandbox:
    """Runs jobs through a warm pool. ``unsafe=True`` is the labelled development mode without
    kernel isolation (no namespaces, cgroups, uid drop or seccomp)."""

    def __init__(
        self, *, unsafe: bool = False, slots: int = 2, hide_paths: list[str] | None = None,
        pool: PoolConfig | None = None,
    ) -> None:
        self.unsafe = unsafe
        self.hide_paths = list(hide_paths or [])
        self.config = pool or PoolConfig(size=slots)
        self._slot_count = self.config.size if pool is not None else slots
        self._slots: dict[int, tuple[asyncio.Queue[int], asyncio.Semaphore]] = {}
        self._gpu_locks: dict[tuple[int, str], asyncio.Lock] = {}
        self._cgroups: dict[int, SlotCgroup] = {}
        self._clean: set[int] = set()  # slots whose cgroup is empty and holds a fresh spare
        self._background: set[asyncio.Future[None]] = set()
        self._instance = next(_instances)
        self.problems = [] if unsafe else kernel_problems()
        self._pool: WarmPool | None = None
        self.last_peak_memory_mb = 0.0
        self.lanes = LaneLeases(Lanes.over(self.config.cores or usable_cores(), self._slot_count))
        self.slot_cores: dict[int, tuple[int, ...]] = {}  # slot -> the cores its latest job ran on

    @property
    def slots(self) -> int:
        """Jobs run at once (each on its own lane of cores unless ``shared_cores``)."""
        return self._slot_count

    @property
    def pinned(self) -> bool:
        return self.config.pin_cores and not self.unsafe

    @property
    def shared_cores(self) -> bool:
        """More jobs may run at once than there are cores: some lanes overlap."""
        return self.lanes.lanes.shared

    @property
    def pinning(self) -> str:
        """How jobs are held to their lanes, in words (for benches and logs)."""
        if self.unsafe:
            return "off (unsafe development mode: no isolation)"
        if not self.config.pin_cores:
            return "off (pin_cores=False: jobs share every core)"
        if not self._cgroups:
            return "lanes (not started yet)"
        if all(group.cpuset is not None for group in self._cgroups.values()):
            return "cpuset.cpus per slot + the job's affinity"
        return "the job's affinity only (no cpuset controller here)"

    @property
    def refusal(self) -> str | None:
        """Why this host must not run submissions, or None when it may."""
        if not self.problems:
            return None
        return ("refusing to run submissions: this host lacks " + "; ".join(self.problems)
                + ". Set TUTOR_SANDBOX_UNSAFE=1 only for local development.")

    @property
    def pool(self) -> WarmPool:
        if self._pool is None:
            self._pool = WarmPool(self.config, isolate=not self.unsafe, hide=self.hide_paths)
            atexit.register(self.close)
        return self._pool

    def start(self) -> None:
        """Start the zygote now (it takes seconds); ``run`` also starts it on first use."""
        if self.refusal is None:
            self.pool.start()

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
        for group in self._cgroups.values():
            group.remove()
        self._cgroups.clear()
        if pool is not None:  # the job uids go back only once no process of ours can run as them
            pool.uids.release()

    def _slot_queue(self) -> tuple[asyncio.Queue[int], asyncio.Semaphore]:
        key = id(asyncio.get_running_loop())
        entry = self._slots.get(key)
        if entry is None:
            if len(self._slots) > 8:  # forget the queues of finished loops (asyncio.run per call)
                self._slots.clear()
            queue: asyncio.Queue[int] = asyncio.Queue()
            for i in range(self._slot_count + (0 if self.unsafe else self.config.spare_slots)):
                queue.put_nowait(i)
            entry = self._slots[key] = (queue, asyncio.Semaphore(self._slot_count))
        return entry

    def _cgroup(self, slot: int) -> SlotCgroup:
        group = self._cgroups.get(slot)
        if group is None:
            if not self._cgroups:
                sweep_stale(detect_version())
            group = SlotCgroup.create(f"pool-{os.getpid()}-{self._instance}-slot{slot}")
            self._cgroups[slot] = group
        return group

    async def run(
        self,
        spec: JobSpec,
        *,
        conversation: Conversation | None = None,
        on_event: EventHandler | None = None,
    ) -> JobOutcome:
        if self.refusal:
            return JobOutcome(status="infrastructure", error=self.refusal)
        gpu_lock: asyncio.Lock | None = None
        if spec.device.startswith("cuda"):
            index = spec.device.partition(":")[2] or "0"
            if index not in self.config.gpu_devices:
                return JobOutcome(status="infrastructure", error=f"this worker has no GPU {spec.device}")
            key = (id(asyncio.get_running_loop()), index)
            gpu_lock = self._gpu_locks.setdefault(key, asyncio.Lock())
        queue, running = self._slot_queue()
        await running.acquire()
        try:
            slot = await queue.get()
        except BaseException:
            running.release()
            raise
        release: list[Awaitable[None]] = []
        lane = self.lanes.take() if self.pinned else None
        cores = self.lanes.cores(lane) if lane is not None else ()
        try:
            if gpu_lock is None:
                return await self._run(spec, slot, cores, conversation, on_event, release)
            async with gpu_lock:  # one job per device: set_per_process_memory_fraction is advisory
                outcome = await self._run(spec, slot, cores, conversation, on_event, release)
                if release:  # the device is free only once the job's processes are gone
                    await release.pop()
                return outcome
        finally:
            # The result is out; the slot is cleaned (processes gone, cgroup empty, next spare
            # forked) in the background, and only then handed to the next job. Its lane is free at
            # once: every process of the job got its SIGKILL when the result came out.
            if lane is not None:
                self.lanes.give(lane)
            running.release()
            task = asyncio.ensure_future(self._release(queue, slot, release[0] if release else None))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _release(self, queue: asyncio.Queue[int], slot: int, cleanup: Awaitable[None] | None) -> None:
        try:
            if cleanup is not None:
                await cleanup
            if not self.unsafe and self._pool is not None:
                cgroup = self._cgroup(slot)
                await asyncio.get_running_loop().run_in_executor(None, cgroup.kill_all)
                if not cgroup.pids():
                    self._clean.add(slot)
                    self._pool.spare(self._plan(JobSpec(source=""), slot, "spare", cgroup))
        finally:
            queue.put_nowait(slot)

    async def idle(self) -> None:
        """Wait until every finished job's slot is cleaned up (tests, orderly shutdown)."""
        loop = asyncio.get_running_loop()
        while True:
            mine = [t for t in self._background if t.get_loop() is loop]
            self._background.difference_update(t for t in list(self._background) if t.get_loop().is_closed())
            if not mine:
                return
            await asyncio.gather(*mine, return_exceptions=True)

    def _plan(self, spec: JobSpec, slot: int, job_id: str, cgroup: SlotCgroup | None,
              cores: tuple[int, ...] = ()) -> JobPlan:
        limits = spec.limits
        env = zygote_env()
        env.update({"OMP_NUM_THREADS": str(limits.threads), "MKL_NUM_THREADS": str(limits.threads),
                    "OPENBLAS_NUM_THREADS": str(limits.threads)})
        devices: list[str] = []
        if spec.device.startswith("cuda"):
            index = spec.device.partition(":")[2] or "0"
            devices = ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", f"/dev/nvidia{index}"]
        uid = self.pool.uid_for(slot)  # leased host-wide: never another supervisor's at the same time
        return JobPlan(
            job_id=job_id, isolate=not self.unsafe, slot=slot, uid=uid, gid=uid,
            cgroup_procs=cgroup.procs_files if cgroup is not None else [],
            scratch_mb=limits.scratch_mb, scratch_inodes=self.config.scratch_inodes,
            file_size_mb=limits.file_size_mb, open_files=limits.open_files,
            cpu_s=int(limits.total_s * 2) + 5, env=env, devices=devices, cpus=list(cores),
        )

    async def _run(
        self, spec: JobSpec, slot: int, cores: tuple[int, ...], conversation: Conversation | None,
        on_event: EventHandler | None, release: list[Awaitable[None]],
    ) -> JobOutcome:
        limits = spec.limits
        try:
            await self.pool.ready()  # the zygote's start-up (seconds, once) is not the job's time
        except ZygoteDied as exc:
            return JobOutcome(status="infrastructure", error=str(exc))
        run = _Run(spec)
        run.hard_deadline = run.started + limits.total_s
        run.deadline = min(run.hard_deadline, run.started + (spec.phase_limit("start") or limits.total_s))
        job_id = uuid.uuid4().hex[:16]
        cgroup: SlotCgroup | None = None
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        out_r, out_w = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        err_r, err_w = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        local = [child_sock.fileno(), out_w, err_w]
        exited: asyncio.Future[int] | None = None
        try:
            if not self.unsafe:
                cgroup = self._cgroup(slot)
                if slot not in self._clean:  # first use, or the last clean-up did not finish
                    cgroup.kill_all()
                    if cgroup.pids():
                        raise SandboxUnavailable(f"cgroup {cgroup.name} still has processes from an earlier job")
                self._clean.discard(slot)
                cgroup.configure(memory_mb=limits.memory_mb, pids=limits.pids, cpus=float(limits.threads))
                cgroup.pin(cores)
                if cores:
                    self.slot_cores[slot] = cores
            os.set_blocking(out_w, True)
            os.set_blocking(err_w, True)
            run.mark("configured")
            pending = await self.pool.submit(self._plan(spec, slot, job_id, cgroup, cores), local)
            exited = pending.exited
            child_sock.close()
            for fd in (out_w, err_w):
                os.close(fd)
            local = []
            await self._supervise(run, pending.started, pending.exited, parent_sock, out_r, err_r, cgroup,
                                  conversation, on_event)
        except ZygoteDied as exc:
            run.outcome = JobOutcome(status="infrastructure", error=str(exc))
        except (OSError, SandboxUnavailable) as exc:
            run.outcome = JobOutcome(status="infrastructure", error=f"sandbox failed to run the job: {exc}")
        finally:
            parent_sock.close()
            with contextlib.suppress(OSError):
                child_sock.close()
            for fd in [*local[1:], out_r, err_r]:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if cgroup is not None:
                cgroup.signal_all()  # SIGKILL now; waiting for the exit happens after the result
                if run.outcome.status not in ("memory", "infrastructure") and cgroup.oom_killed():
                    run.outcome.status = "memory"
            release.append(self._reap(job_id, exited, cgroup))
        run.outcome.wall_s = round(time.monotonic() - run.started, 3)
        run.outcome.timings = {**run.marks, "result": round(run.outcome.wall_s * 1000, 1), "child": run.isolation_ms}
        return run.outcome

    async def _reap(self, job_id: str, exited: asyncio.Future[int] | None, cgroup: SlotCgroup | None) -> None:
        if exited is not None:
            with contextlib.suppress(ZygoteDied, TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(exited), timeout=10)
        self.pool.forget(job_id)
        if cgroup is not None:
            self.last_peak_memory_mb = cgroup.peak_memory_mb()

    async def _supervise(
        self, run: _Run, started: asyncio.Future[int], exited: asyncio.Future[int], sock: socket.socket,
        out_r: int, err_r: int, cgroup: SlotCgroup | None, conversation: Conversation | None,
        on_event: EventHandler | None,
    ) -> None:
        loop = asyncio.get_running_loop()
        reader, writer = await asyncio.open_unix_connection(sock=sock)
        eof = {out_r: asyncio.Event(), err_r: asyncio.Event()}
        bufs = {out_r: run.stdout, err_r: run.stderr}

        def kill() -> None:
            if cgroup is not None:
                cgroup.signal_all()
            elif run.pid is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(run.pid, signal.SIGKILL)

        def readable(fd: int) -> None:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                loop.remove_reader(fd)
                eof[fd].set()
                return
            room = run.spec.limits.output_bytes - len(run.stdout) - len(run.stderr)
            bufs[fd].extend(chunk[: max(room, 0)])
            if len(chunk) > room and not run.output_exceeded:
                run.output_exceeded = True
                kill()

        async def send(kind: str, payload: dict[str, Any] | None = None) -> None:
            for frame in protocol.encode(kind, payload):
                writer.write(protocol.HEADER.pack(len(frame)) + frame)
            await writer.drain()

        async def converse() -> None:
            try:
                await conversation_loop()
            except (ProtocolError, ConversationFailed, ConnectionError):
                raise
            except Exception as exc:  # decoding raises only ProtocolError: anything else here is ours
                raise ConversationFailed(f"the supervisor failed on the job's channel: {type(exc).__name__}: {exc}") from exc

        async def conversation_loop() -> None:
            job = {
                "source": run.spec.source, "filename": run.spec.filename, "entry": run.spec.entry,
                "params": run.spec.params, "threads": run.spec.limits.threads,
                "device": run.spec.device, "gpu_memory_fraction": self.config.gpu_memory_fraction,
            }
            await send("job", job)
            if conversation is not None:
                for kind, payload in await conversation.opening():
                    await send(kind, payload)
            limits = run.spec.limits
            # Every byte and message the job sends counts, the core's own "isolated" included.
            frames = protocol.FrameReader(limits.max_message_bytes, max_messages=limits.max_messages,
                                          max_channel_bytes=limits.max_channel_bytes)
            while True:
                data = await reader.read(1 << 20)
                if not data:
                    return
                frames.push(data)
                for message in frames.messages():  # each handled before a later frame can raise
                    if message["type"] == "isolated" and not run.isolated:
                        run.isolated = True
                        run.mark("isolated")
                        run.isolation_ms = _timings_of(message.get("timings"))
                        continue
                    run.messages += 1
                    await self._on_message(run, message, send, conversation, on_event)
                    if run.finished_protocol:
                        return

        async def watchdog() -> None:
            while time.monotonic() < run.deadline:
                await asyncio.sleep(min(0.05, max(run.deadline - time.monotonic(), 0)))
            run.timed_out = True
            kill()

        run.pid = await started
        run.mark("started")
        for fd in (out_r, err_r):
            loop.add_reader(fd, readable, fd)
        dog = asyncio.create_task(watchdog())
        try:
            try:
                await converse()
            except ProtocolError as exc:
                run.outcome.error = f"the job broke the result protocol: {exc}"
                run.outcome.status = "error"
                kill()
            except ConversationFailed as exc:
                run.outcome.error = str(exc)
                run.outcome.status = "infrastructure"
                run.infrastructure = True
                kill()
            except (ConnectionError, BrokenPipeError):
                pass
            succeeded = run.finished_protocol and run.outcome.error is None and not run.output_exceeded
            if succeeded:
                # The result is complete and came over the channel: the process has nothing more
                # to say (output after this point is ignored), so it is killed, not waited for.
                run.returncode = 0
                kill()
            else:
                if run.finished_protocol:  # it reported an error: a short grace to exit, then it is killed
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(asyncio.shield(exited), timeout=ERROR_GRACE_S)
                    if not exited.done():
                        kill()
                status = await exited
                run.returncode = os.waitstatus_to_exitcode(status)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in eof.values())), timeout=2)
        finally:
            dog.cancel()
            kill()  # nothing of the job outlives it: daemons, threads, grandchildren
            for fd in (out_r, err_r):
                loop.remove_reader(fd)
                while not eof[fd].is_set() and not run.output_exceeded:
                    before = len(bufs[fd])
                    readable(fd)
                    if len(bufs[fd]) == before:
                        break
            writer.close()
        self._conclude(run, run.returncode, cgroup)

    async def _on_message(
        self, run: _Run, message: dict[str, Any], send: Callable[..., Awaitable[None]],
        conversation: Conversation | None, on_event: EventHandler | None,
    ) -> None:
        kind = message["type"]
        outcome = run.outcome
        if kind == "phase":
            name = message.get("name")
            self._enter_phase(run, name if isinstance(name, str) else f"<{type(name).__name__}>")
        if kind in ("phase", "progress"):
            if on_event is not None:
                elapsed = time.monotonic() - run.started
                event = ({"type": "phase", "name": run.phase or ""} if kind == "phase"
                         else progress_event(message, elapsed, run.spec.limits.total_s))
                await self._relay(run, on_event, event)
        elif kind == "done" and run.spec.entry is None:
            run.finished_protocol = True
            outcome.status = "ok"
        elif kind == "error":
            outcome.error = _text(message.get("error", ""))[:2000]
            outcome.traceback = _text(message.get("traceback", ""))[-8000:]
            run.finished_protocol = True
        elif conversation is not None and kind not in CORE_MESSAGES:
            try:
                replies = await conversation.receive(kind, message["payload"])
            except ProtocolError:
                raise
            except Exception as exc:  # the caller's side failed: our fault, never the learner's
                raise ConversationFailed(f"the grader failed on a {kind!r} message: {type(exc).__name__}: {exc}") from exc
            for reply_kind, payload in replies:
                await send(reply_kind, payload)
            if conversation.finished:
                run.finished_protocol = True
                outcome.status = "ok"
        else:
            raise ProtocolError(f"unexpected message {str(kind)[:40]!r}")

    @staticmethod
    async def _relay(run: _Run, on_event: EventHandler, event: dict[str, Any]) -> None:
        """Hand one sanitised event to the caller. Progress is advisory: a sink that fails is
        logged (once per job) and never decides the job's fate."""
        try:
            result = on_event(event)
            if asyncio.iscoroutine(result):
                await result
        except Exception:
            run.event_failures += 1
            if run.event_failures == 1:
                log.exception("the on_event handler failed on a %s event", event.get("type"))

    @staticmethod
    def _enter_phase(run: _Run, name: Any) -> None:
        """Phases only move forward, in the spec's order, each once: a job cannot buy itself time by
        announcing a phase again. Each has its own deadline, never past the job's total."""
        order = list(run.spec.phases)
        if not order:  # a plain script: phases are only labels
            run.phase = run.outcome.phase = str(name)[:40]
            return
        if not isinstance(name, str) or name not in order:
            raise ProtocolError(f"unknown phase {str(name)[:40]!r}")
        if run.phase is not None and run.phase in order and order.index(name) <= order.index(run.phase):
            raise ProtocolError(f"phase {name!r} announced again or out of order")
        run.phase = run.outcome.phase = name
        run.mark(f"phase:{name}")
        run.deadline = min(run.hard_deadline, time.monotonic() + run.spec.phases[name])

    def _conclude(self, run: _Run, returncode: int | None, cgroup: SlotCgroup | None) -> None:
        outcome = run.outcome
        outcome.stdout = clean_output(run.stdout.decode("utf-8", "replace"))
        outcome.stderr = clean_output(run.stderr.decode("utf-8", "replace"))
        outcome.exit_code = returncode if returncode is not None and returncode >= 0 else None
        outcome.signal = -returncode if returncode is not None and returncode < 0 else None
        status: RunStatus
        if run.infrastructure:
            return
        if not run.isolated and not run.timed_out and not run.output_exceeded:
            outcome.status = "infrastructure"
            reason = "isolation failed" if returncode == ISOLATION_FAILED else f"exit status {returncode}"
            outcome.error = f"the job never started ({reason}): {outcome.stderr[-1500:]}"
            return
        if cgroup is not None and cgroup.oom_killed():
            status = "memory"
        elif run.output_exceeded:
            status = "output_limit"
        elif run.timed_out:
            status = "timeout"
        elif outcome.status == "error" or outcome.error:
            status = "memory" if _looks_like_oom(outcome.error or "") else "error"
        elif run.finished_protocol and outcome.status == "ok" and (run.spec.entry is not None or returncode == 0):
            status = "ok"
        elif outcome.signal is not None:
            status = "killed"
            outcome.error = outcome.error or f"the process was killed by signal {outcome.signal}"
        else:
            status = "error"
            outcome.error = outcome.error or f"the process exited with code {returncode} before finishing"
        outcome.status = status


def progress_event(message: Mapping[str, Any], elapsed_s: float, total_s: float) -> dict[str, Any]:
    """The only progress a front end sees: ``step`` an int in 0..MAX_PROGRESS_STEP or None,
    ``loss`` a finite float or None, ``elapsed`` a finite float in 0..total_s (the supervisor's own
    clock, ``elapsed_s``, when the job's value is unusable). Whatever else the job sent is dropped."""
    step = message.get("step")
    if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= MAX_PROGRESS_STEP:
        step = None
    elapsed = _finite(message.get("elapsed"))
    if elapsed is None or elapsed < 0:
        elapsed = elapsed_s
    return {"type": "progress", "step": step, "loss": _finite(message.get("loss")),
            "elapsed": min(max(float(elapsed), 0.0), float(total_s))}


def _finite(value: Any) -> float | None:
    """A JSON number as a finite float, or None (booleans, NaN, infinities, ints past a float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> str:
    """A job's error text as a string (it may have sent any JSON value)."""
    if isinstance(value, str):
        return value
    try:
        return str(value)[:8000]
    except Exception:  # an unprintable value is still a value the job sent: say what it was
        return f"<{type(value).__name__}>"


def _timings_of(value: Any) -> dict[str, Any]:
    """The isolation timings of the job's greeting: at most 10 names, finite numbers only."""
    if not isinstance(value, dict):
        return {}
    out: dict[str, Any] = {}
    for key, number in list(value.items())[:10]:
        ms = _finite(number)
        if ms is not None:
            out[str(key)[:40]] = ms
    return out


def _looks_like_oom(error: str) -> bool:
    return error.startswith("MemoryError") or "DefaultCPUAllocator: can't allocate memory" in error
