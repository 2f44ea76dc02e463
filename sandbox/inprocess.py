"""Grade OUR OWN files in this process, through the same exchange as the sandbox: calibration.

This is NOT the sandbox: the kind's sandbox-side entry runs in a thread of this process, with the
file imported as a module. It must only ever be given our references, starters and case files,
never learner code. Everything else is the real path: the kind's exchange, the framed channel
(a socketpair), the evaluation and the report, so a calibration figure is what grading measures.
"""

from __future__ import annotations

import importlib
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from challenges.catalogue import Challenge
from challenges.kinds.base import Message, RunRecord, Submission
from challenges.verdict import Report, failure
from sandbox.core.protocol import BlockingChannel
from sandbox.driver import evaluate


@dataclass
class InProcessRun:
    report: Report
    phase_s: dict[str, float] = field(default_factory=dict)  # seconds spent in each announced phase
    cpu_s: float = 0.0
    steps: int = 0


def run_files(challenge: Challenge, files: dict[str, str], *, seed: int) -> InProcessRun:
    """Grade ``files`` (ours) with the hidden data fixed by ``seed``."""
    import torch

    exchange = challenge.kind.exchange(challenge, Submission(files), seed=seed)
    plan = exchange.plan
    if plan is None:
        return InProcessRun(evaluate(challenge, exchange, RunRecord(), {}))
    torch.set_num_threads(plan.threads)
    ours, theirs = socket.socketpair()
    outside, inside = BlockingChannel(ours), BlockingChannel(theirs)
    job = {"source": plan.source, "filename": plan.filename, "entry": plan.entry, "params": plan.params}
    errors: list[str] = []

    def entry() -> None:
        try:
            importlib.import_module(plan.entry).main(inside, job)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            inside.send("error", error=errors[-1])

    phases: dict[str, float] = {}
    current: tuple[str, float] | None = None
    cpu0 = time.process_time()
    thread = threading.Thread(target=entry, daemon=True)
    thread.start()
    for opening in exchange.opening():
        outside.send(opening.kind, opening.payload)
    while not exchange.finished:
        message: dict[str, Any] = outside.recv()
        kind = message["type"]
        if kind == "phase":
            now = time.perf_counter()
            if current is not None:
                phases[current[0]] = phases.get(current[0], 0.0) + now - current[1]
            current = (str(message.get("name")), now)
        elif kind == "error":
            break
        elif kind != "progress":
            for reply in exchange.receive(Message(kind, message["payload"])):
                outside.send(reply.kind, reply.payload)
    if current is not None:
        phases[current[0]] = phases.get(current[0], 0.0) + time.perf_counter() - current[1]
    thread.join(timeout=30)
    ours.close()
    theirs.close()
    steps = int(getattr(exchange, "steps", 0))
    if errors or not exchange.finished:
        report = failure(challenge.id, "error", "run", errors[0] if errors else "the run stopped early")
    else:
        report = evaluate(challenge, exchange, RunRecord(steps=steps), {"losses": list(getattr(exchange, "losses", []))})
    return InProcessRun(report, phases, time.process_time() - cpu0, steps)
