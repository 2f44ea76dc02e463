"""The zygote: a clean interpreter with torch imported and warmed up, forking one child per job.

Started by the supervisor as ``python -I -B -m sandbox.core.zygote``, with its control socket as
stdin and an empty environment, so it holds no secret of the bot's (no token, no database URL)
that a job could find in its copy of the zygote's memory. Its configuration (preloads, the root
plan) arrives as the first packet on the control socket, never in argv: a job inherits the
zygote's argv (``sys.argv``, and ``/proc/self/cmdline`` wherever /proc is visible).

Why a zygote: a cold ``import torch`` plus the lazy first-use initialisation of optimizers and
autograd costs 3 s per job; a fork of a warmed process costs tens of milliseconds. The design note's three zygote rules are applied here: warm up before fork
(optimizer, loss, backward, a DataLoader with ``num_workers=0``, then ``gc.freeze()``), one
intra-op and one inter-op thread (libgomp is not fork-safe: never start an OpenMP team before
fork), and never touch CUDA (each GPU child initialises its own context after isolation).

Control protocol (SOCK_SEQPACKET, one JSON object per packet): supervisor -> zygote first the
configuration, then ``{"type": "job", "plan": {...}}`` with three fds (job channel, stdout and
stderr pipe ends) passed by SCM_RIGHTS; zygote -> supervisor ``ready``, ``started`` (with the
child's host pid), ``exit`` (with the raw wait status) and ``failed`` (fork refused).
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import resource
import selectors
import signal
import socket
import sys
import tempfile
import time
import traceback
from typing import Any, NoReturn

from sandbox.core import kernel
from sandbox.core.isolation import CHANNEL_FD, ISOLATION_FAILED, JobPlan, RootPlan, enclose, enter, specialize

SPARE_FD = 4


def warm_up() -> None:
    """One tiny training run touching what learners use, so children skip the lazy init."""
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    x, y = torch.randn(64, 8), torch.randint(0, 2, (64,))
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, num_workers=0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 2))
    for opt_cls in (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW):
        opt = opt_cls(model.parameters(), lr=1e-3)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1)
        for xb, yb in loader:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb) + nn.MSELoss()(model(xb)[:, 0], yb.float())
            loss.backward()
            opt.step()
        sched.step()
    conv = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    out = conv(torch.randn(2, 1, 8, 8))
    nn.functional.cross_entropy(out, torch.tensor([0, 1])).backward()
    rnn = nn.LSTM(4, 8, batch_first=True)
    rnn(torch.randn(2, 3, 4))[0].sum().backward()
    model.eval()
    with torch.no_grad():
        model(x).argmax(1).numpy()


def prefault() -> None:
    """Run in a spare before its job arrives: a few training steps touch (and so copy-on-write
    fault in) the interpreter and torch pages a job needs, off the job's critical path. The RNG
    states are restored, so a job sees the zygote's state exactly."""
    import random

    import numpy as np
    import torch
    from torch import nn

    states = (random.getstate(), np.random.get_state(), torch.get_rng_state())
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2))
    x, y = torch.randn(64, 10), torch.randint(0, 2, (64,))
    for opt in (torch.optim.SGD(model.parameters(), lr=0.1), torch.optim.Adam(model.parameters())):
        for _ in range(2):
            opt.zero_grad()
            (nn.functional.cross_entropy(model(x), y) + nn.functional.mse_loss(model(x)[:, 0], y.float())).backward()
            opt.step()
    random.setstate(states[0])
    np.random.set_state(states[1])
    torch.set_rng_state(states[2])


def preload(config: dict[str, Any]) -> None:
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    for name in config.get("preload", []):
        try:
            importlib.import_module(name)
        except Exception as exc:  # a broken optional preload must not take the pool down
            print(f"zygote: preload {name} failed: {exc}", file=sys.stderr, flush=True)
    importlib.import_module("sandbox.core.child")
    if config.get("warmup", True):
        warm_up()


def _detach(zygote_pid: int) -> None:
    os.setsid()
    kernel.prctl(kernel.PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != zygote_pid:
        os._exit(ISOLATION_FAILED)
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _take_fds(fds: list[int]) -> None:
    """stdin from /dev/null, stdout/stderr/channel on 1/2/3, every other fd closed."""
    chan, out, err = fds
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.dup2(chan, CHANNEL_FD)
    kernel.close_range(CHANNEL_FD + 1)


def _hand_over(plan: JobPlan, marks: dict[str, float], t0: float) -> NoReturn:
    os.environ.clear()
    os.environ.update(plan.env)
    tempfile.tempdir = None
    if not plan.isolate:  # isolated jobs got theirs, and their cwd, before the seccomp filter
        os.umask(0o077)
    from sandbox.core import child

    marks["total"] = round((time.perf_counter() - t0) * 1000, 2)
    child.main(CHANNEL_FD, marks)
    os._exit(0)


def _fail() -> NoReturn:
    try:
        os.write(2, ("sandbox: isolation failed: " + traceback.format_exc()[-2000:]).encode())
    finally:
        os._exit(ISOLATION_FAILED)


def _run_child(plan: JobPlan, root: RootPlan, fds: list[int], zygote_pid: int, seccomp_filter: Any) -> NoReturn:
    """In a child forked for a known job: isolate, then hand over to ``sandbox.core.child``."""
    marks: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        _detach(zygote_pid)
        _take_fds(fds)
        if plan.isolate:
            marks = enter(plan, root, seccomp_filter)
    except BaseException:
        _fail()
    _hand_over(plan, marks, t0)


def _run_spare(base: JobPlan, root: RootPlan, sock: int, zygote_pid: int, seccomp_filter: Any) -> NoReturn:
    """A spare: enclosed ahead of time (cgroup, namespaces, root, pid namespace), then it waits for its
    job on ``sock`` and only specializes (scratch, rlimits, uid, seccomp) once the job is there.
    Android's zygote calls the same idea an unspecialized app process pool."""
    try:
        _detach(zygote_pid)
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.dup2(sock, SPARE_FD)
        kernel.close_range(CHANNEL_FD, CHANNEL_FD)  # 0-2 are /dev/null, 4 the spare socket
        kernel.close_range(SPARE_FD + 1)
        marks = enclose(base, root)
        prefault()
    except BaseException:
        os._exit(ISOLATION_FAILED)
    spare = socket.socket(fileno=SPARE_FD)
    data, fds, _, _ = socket.recv_fds(spare, 1 << 16, 3)
    t0 = time.perf_counter()
    if not data or len(fds) != 3:
        os._exit(0)
    try:
        plan = JobPlan.from_json(json.loads(data))
        _take_fds(fds)  # closes the spare socket too
        marks.update(specialize(plan, seccomp_filter))
    except BaseException:
        _fail()
    _hand_over(plan, marks, t0)


class Zygote:
    def __init__(self, config: dict[str, Any], ctl: socket.socket) -> None:
        self.config = config
        self.root = RootPlan.from_json(config["root"])
        self.ctl = ctl
        self.jobs: dict[int, str] = {}
        self.spares: dict[int, tuple[int, socket.socket]] = {}  # slot -> (pid, socket to its job process)
        self.spare_pids: set[int] = set()
        self.seccomp: dict[str, Any] = {}  # profile ("cpu", "gpu") -> compiled filter
        self.pid = os.getpid()

    def seccomp_for(self, plan: JobPlan) -> Any:
        """The GPU profile only for jobs handed a device; every other job gets the CPU one."""
        return self.seccomp.get("gpu" if plan.devices else "cpu")

    def send(self, message: dict[str, Any]) -> None:
        try:
            self.ctl.send(json.dumps(message).encode())
        except OSError:
            self.shutdown()

    def shutdown(self) -> NoReturn:
        for pid in list(self.jobs) + list(self.spare_pids):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os._exit(0)

    def fork(self) -> int:
        sys.stdout.flush()
        sys.stderr.flush()
        return os.fork()

    def make_spare(self, message: dict[str, Any]) -> None:
        """Fork a spare for a slot whose cgroup the supervisor just emptied."""
        try:
            base = JobPlan.from_json(message["plan"])
            old = self.spares.pop(base.slot, None)
            if old is not None:
                self._drop_spare(old)
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            pid = self.fork()
        except Exception as exc:
            print(f"zygote: cannot make a spare: {exc}", file=sys.stderr, flush=True)
            return
        if pid == 0:
            _run_spare(base, self.root, theirs.fileno(), self.pid, self.seccomp["cpu"] if self.seccomp else None)
        theirs.close()
        self.spares[base.slot] = (pid, ours)
        self.spare_pids.add(pid)

    def _drop_spare(self, spare: tuple[int, socket.socket]) -> None:
        pid, sock = spare
        sock.close()
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def start_job(self, message: dict[str, Any], fds: list[int]) -> None:
        job_id = str(message.get("plan", {}).get("job_id", "?"))
        try:
            if len(fds) != 3:
                raise ValueError(f"expected 3 fds, got {len(fds)}")
            plan = JobPlan.from_json(message["plan"])
            spare = self.spares.pop(plan.slot, None) if plan.isolate and not plan.devices else None
            pid = 0
            if spare is not None:
                try:
                    socket.send_fds(spare[1], [json.dumps(plan.to_json()).encode()], fds)
                    pid = spare[0]
                except OSError:
                    pid = 0
                spare[1].close()
                self.spare_pids.discard(spare[0])
            if pid == 0:
                if spare is not None:
                    self._drop_spare(spare)
                pid = self.fork()
        except Exception as exc:
            for fd in fds:
                os.close(fd)
            self.send({"type": "failed", "id": job_id, "error": f"{type(exc).__name__}: {exc}"})
            return
        if pid == 0:
            _run_child(plan, self.root, fds, self.pid, self.seccomp_for(plan))
        for fd in fds:
            os.close(fd)
        self.jobs[pid] = plan.job_id
        self.send({"type": "started", "id": plan.job_id, "pid": pid})

    def reap(self) -> None:
        while True:  # also reaps orphaned PID-1 zombies (the zygote is a child subreaper)
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            job_id = self.jobs.pop(pid, None)
            if pid in self.spare_pids:  # a spare died before its job came: forget it
                self.spare_pids.discard(pid)
                for slot, (spare_pid, sock) in list(self.spares.items()):
                    if spare_pid == pid:
                        sock.close()
                        del self.spares[slot]
            if job_id is not None:
                self.send({"type": "exit", "id": job_id, "status": status})

    def serve(self) -> NoReturn:
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        sel = selectors.DefaultSelector()
        sel.register(self.ctl, selectors.EVENT_READ, "ctl")
        sel.register(wake_r, selectors.EVENT_READ, "wake")
        while True:
            for key, _ in sel.select():
                if key.data == "wake":
                    try:
                        while os.read(wake_r, 256):
                            pass
                    except BlockingIOError:
                        pass
                    self.reap()
                    continue
                data, fds, _, _ = socket.recv_fds(self.ctl, 1 << 16, 8)
                if not data:
                    self.shutdown()
                try:
                    message = json.loads(data)
                except ValueError:
                    message = {}
                if message.get("type") == "job":
                    self.start_job(message, fds)
                elif message.get("type") == "spare":
                    self.make_spare(message)
                elif message.get("type") == "stop":
                    self.shutdown()
                else:
                    for fd in fds:
                        os.close(fd)
            self.reap()


def _control_socket() -> socket.socket:
    """The control socket is our stdin: take it off fd 0, which becomes /dev/null."""
    ctl = socket.socket(fileno=os.dup(0))
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    return ctl


def main() -> NoReturn:
    kernel.prctl(kernel.PR_SET_PDEATHSIG, signal.SIGKILL)
    kernel.prctl(kernel.PR_SET_CHILD_SUBREAPER, 1)  # a job orphaned by a cgroup kill comes back here
    # No core dumps, of the zygote or of anything it forks: its memory is every job's memory.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    kernel.prctl(kernel.PR_SET_DUMPABLE, 0)
    ctl = _control_socket()
    data = ctl.recv(1 << 20)
    if not data:
        os._exit(1)
    config = json.loads(data)
    zygote = Zygote(config, ctl)
    if os.getppid() == 1:
        os._exit(1)
    started = time.monotonic()
    preload(config)
    if config.get("isolate", True):
        from sandbox.core.seccomp import build_filter

        log = bool(config.get("seccomp_log", False))
        zygote.seccomp = {profile: build_filter(profile, log=log) for profile in ("cpu", "gpu")}
        os.makedirs(zygote.root.mountpoint, mode=0o700, exist_ok=True)
    gc.collect()
    gc.freeze()
    rss = 0.0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    zygote.send({"type": "ready", "pid": os.getpid(), "rss_mb": round(rss, 1),
                 "start_s": round(time.monotonic() - started, 3)})
    zygote.serve()


if __name__ == "__main__":
    main()
