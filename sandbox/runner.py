"""The supervisor: runs one job in an isolated process and says how it ended.

It knows nothing about Discord, the database or how a verdict is computed: it moves a job's data
over the channel, streams events, enforces the wall clock from outside, caps output, and turns
what happened into a small ``JobOutcome``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox import protocol
from sandbox.cgroups import JobCgroup, detect_version
from sandbox.errors import ProtocolError, SandboxUnavailable
from sandbox.isolation import JobIdentity, interpreter_paths, preexec
from sandbox.job import JobOutcome, JobSpec, RunStatus

EventHandler = Callable[[dict[str, Any]], Awaitable[None] | None]
TestInputs = Callable[[], dict[str, Any]]

MAX_PREDICTION_BYTES = 64 << 20
UID_BASE = 61000  # job uids are UID_BASE + slot: distinct per concurrent job


def kernel_problems() -> list[str]:
    """Features the isolated mode needs that this host lacks (empty when all is there)."""
    problems = []
    if sys.platform != "linux":
        return ["Linux namespaces and cgroups (this is not Linux)"]
    if os.geteuid() != 0:
        problems.append("root to create namespaces, mounts and cgroups (run the worker as root)")
    try:
        detect_version()
    except SandboxUnavailable as exc:
        problems.append(str(exc))
    for ns in ("net", "mnt", "ipc", "uts", "pid"):
        if not os.path.exists(f"/proc/self/ns/{ns}"):
            problems.append(f"the {ns} namespace")
    return problems


@dataclass
class _Run:
    spec: JobSpec
    started: float = field(default_factory=time.monotonic)
    deadline: float = 0.0
    phase: str | None = None
    timed_out: bool = False
    output_exceeded: bool = False
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    outcome: JobOutcome = field(default_factory=lambda: JobOutcome(status="infrastructure"))
    finished_protocol: bool = False


class Sandbox:
    """Runs jobs. ``unsafe=True`` is the labelled development mode without kernel isolation."""

    def __init__(
        self, *, unsafe: bool = False, slots: int = 2, hide_paths: list[str] | None = None
    ) -> None:
        self.unsafe = unsafe
        self.hide_paths = list(hide_paths or [])
        self._slots: asyncio.Queue[int] | None = None
        self._slot_count = slots
        self.problems = [] if unsafe else kernel_problems()

    @property
    def refusal(self) -> str | None:
        """Why this host must not run submissions, or None when it may."""
        if not self.problems:
            return None
        return ("refusing to run submissions: this host lacks " + "; ".join(self.problems)
                + ". Set TUTOR_SANDBOX_UNSAFE=1 only for local development.")

    async def _slot(self) -> int:
        if self._slots is None:
            self._slots = asyncio.Queue()
            for i in range(self._slot_count):
                self._slots.put_nowait(i)
        return await self._slots.get()

    async def run(
        self,
        spec: JobSpec,
        *,
        train_data: dict[str, Any] | None = None,
        test_inputs: TestInputs | None = None,
        on_event: EventHandler | None = None,
    ) -> JobOutcome:
        if self.refusal:
            return JobOutcome(status="infrastructure", error=self.refusal)
        slot = await self._slot()
        assert self._slots is not None
        try:
            return await self._run(spec, slot, train_data, test_inputs, on_event)
        finally:
            self._slots.put_nowait(slot)

    async def _run(
        self, spec: JobSpec, slot: int, train_data: dict[str, Any] | None,
        test_inputs: TestInputs | None, on_event: EventHandler | None,
    ) -> JobOutcome:
        limits = spec.limits
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        cgroup = None
        run = _Run(spec)
        run.deadline = run.started + limits.total_s
        try:
            env = {
                "PATH": "/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
                "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "TORCHDYNAMO_DISABLE": "1",
                "OMP_NUM_THREADS": str(limits.threads), "MKL_NUM_THREADS": str(limits.threads),
                "OPENBLAS_NUM_THREADS": str(limits.threads), "MPLBACKEND": "Agg",
            }
            for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
                if key in os.environ:  # hardware workarounds, not secrets
                    env[key] = os.environ[key]
            kwargs: dict[str, Any] = {}
            if not self.unsafe:
                cgroup = JobCgroup.create(
                    f"job-{uuid.uuid4().hex[:12]}", memory_mb=limits.memory_mb, pids=limits.pids,
                    cpus=float(limits.threads),
                )
                identity = JobIdentity(UID_BASE + slot, UID_BASE + slot)
                kwargs["preexec_fn"] = preexec(cgroup, limits, identity, interpreter_paths(), self.hide_paths)
                kwargs["cwd"] = "/"
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-I", "-m", "sandbox.child", str(child_sock.fileno()),
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, pass_fds=(child_sock.fileno(),), env=env,
                start_new_session=True, **kwargs,
            )
            child_sock.close()
            await self._supervise(run, proc, parent_sock, cgroup, train_data, test_inputs, on_event)
        except (OSError, subprocess.SubprocessError, SandboxUnavailable) as exc:
            run.outcome = JobOutcome(status="infrastructure", error=f"sandbox failed to start the job: {exc}")
        finally:
            parent_sock.close()
            with contextlib.suppress(OSError):
                child_sock.close()
            if cgroup is not None:
                if run.outcome.status not in ("memory",) and cgroup.oom_killed():
                    run.outcome.status = "memory"
                cgroup.remove()
        run.outcome.wall_s = round(time.monotonic() - run.started, 3)
        return run.outcome

    async def _supervise(
        self, run: _Run, proc: asyncio.subprocess.Process, sock: socket.socket, cgroup: JobCgroup | None,
        train_data: dict[str, Any] | None, test_inputs: TestInputs | None, on_event: EventHandler | None,
    ) -> None:
        reader, writer = await asyncio.open_unix_connection(sock=sock)

        def kill() -> None:
            if cgroup is not None:
                cgroup.kill_all()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        async def pump(stream: asyncio.StreamReader | None, buf: bytearray) -> None:
            assert stream is not None
            while chunk := await stream.read(65536):
                room = run.spec.limits.output_bytes - len(run.stdout) - len(run.stderr)
                buf.extend(chunk[: max(room, 0)])
                if len(chunk) > room:
                    run.output_exceeded = True
                    kill()
                    return

        async def send(kind: str, payload: dict[str, Any] | None = None) -> None:
            for frame in protocol.encode(kind, payload):
                writer.write(protocol.HEADER.pack(len(frame)) + frame)
            await writer.drain()

        async def converse() -> None:
            job = {
                "source": run.spec.source, "filename": run.spec.filename, "harness": run.spec.harness,
                "time_budget_s": run.spec.time_budget_s, "threads": run.spec.limits.threads,
                "device": run.spec.device,
            }
            await send("job", job)
            if run.spec.harness:
                await send("train_data", train_data or {})
            frames = protocol.FrameReader(MAX_PREDICTION_BYTES)
            while True:
                data = await reader.read(1 << 20)
                if not data:
                    return
                for message in frames.feed(data):
                    await self._on_message(run, message, send, test_inputs, on_event)
                    if run.finished_protocol:
                        return

        async def watchdog() -> None:
            while time.monotonic() < run.deadline:
                await asyncio.sleep(min(0.05, max(run.deadline - time.monotonic(), 0)))
            run.timed_out = True
            kill()

        pumps = [asyncio.create_task(pump(proc.stdout, run.stdout)), asyncio.create_task(pump(proc.stderr, run.stderr))]
        dog = asyncio.create_task(watchdog())
        try:
            try:
                await converse()
            except ProtocolError as exc:
                run.outcome.error = f"the job broke the result protocol: {exc}"
                run.outcome.status = "error"
                kill()
            except (ConnectionError, BrokenPipeError):
                pass
            await proc.wait()
        finally:
            dog.cancel()
            kill()  # nothing of the job outlives it: daemons, threads, grandchildren
            await asyncio.gather(*pumps, return_exceptions=True)
            writer.close()
        self._conclude(run, proc.returncode, cgroup)

    async def _on_message(
        self, run: _Run, message: dict[str, Any], send: Callable[..., Awaitable[None]],
        test_inputs: TestInputs | None, on_event: EventHandler | None,
    ) -> None:
        kind = message["type"]
        outcome = run.outcome
        limits = run.spec.limits
        if kind == "phase":
            run.phase = outcome.phase = str(message.get("name"))[:40]
            if run.phase == "train":
                run.deadline = min(run.deadline, time.monotonic() + limits.wall_s + limits.predict_s)
        if kind in ("phase", "progress") and on_event is not None:
            event = {k: v for k, v in message.items() if k in ("type", "name", "step", "loss", "elapsed")}
            result = on_event(event)
            if asyncio.iscoroutine(result):
                await result
        elif kind == "facts" and run.spec.harness and not outcome.facts:
            payload = dict(message["payload"])
            losses = payload.pop("_losses", None)
            if losses is not None and hasattr(losses, "tolist"):
                outcome.losses = [float(x) for x in losses.ravel()[:20000].tolist()]
            outcome.facts = payload
            if on_event is not None:
                result = on_event({"type": "phase", "name": "evaluate"})
                if asyncio.iscoroutine(result):
                    await result
            inputs = await asyncio.get_running_loop().run_in_executor(None, test_inputs) if test_inputs else {}
            run.deadline = min(run.deadline, time.monotonic() + limits.predict_s)
            await send("test_inputs", inputs)
        elif kind == "predictions" and outcome.facts is not None and outcome.predictions is None:
            outcome.predictions = message["payload"]
            run.finished_protocol = True
        elif kind == "done" and not run.spec.harness:
            run.finished_protocol = True
            outcome.status = "ok"
        elif kind == "error":
            outcome.error = str(message.get("error", ""))[:2000]
            run.finished_protocol = True

    def _conclude(self, run: _Run, returncode: int | None, cgroup: JobCgroup | None) -> None:
        outcome = run.outcome
        outcome.stdout = run.stdout.decode("utf-8", "replace")
        outcome.stderr = run.stderr.decode("utf-8", "replace")
        outcome.exit_code = returncode if returncode is not None and returncode >= 0 else None
        outcome.signal = -returncode if returncode is not None and returncode < 0 else None
        status: RunStatus
        if cgroup is not None and cgroup.oom_killed():
            status = "memory"
        elif run.output_exceeded:
            status = "output_limit"
        elif run.timed_out:
            status = "timeout"
        elif outcome.status == "error" or outcome.error:
            status = "memory" if _looks_like_oom(outcome.error or "") else "error"
        elif (run.spec.harness and outcome.predictions is not None) or (not run.spec.harness and outcome.status == "ok" and returncode == 0):
            status = "ok"
        elif outcome.signal is not None:
            status = "killed"
            outcome.error = outcome.error or f"the process was killed by signal {outcome.signal}"
        else:
            status = "error"
            outcome.error = outcome.error or f"the process exited with code {returncode} before finishing"
        outcome.status = status


def _looks_like_oom(error: str) -> bool:
    return error.startswith("MemoryError") or "DefaultCPUAllocator: can't allocate memory" in error
