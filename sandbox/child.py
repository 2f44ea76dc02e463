"""Runs inside the isolated sandbox process: the learner's module plus a challenge harness.

Everything here shares an interpreter with hostile code, so nothing here is trusted by the other
side: it only moves plain data over the job channel. Loss values and optimizer steps are picked up
by global hooks so that ordinary training loops stream progress without any cooperation.
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
import time
import traceback
import types
from typing import Any

from sandbox.protocol import BlockingChannel

PROGRESS_EVERY_S = 0.5
MAX_LOSSES = 20_000


class ProgressHooks:
    """Watches backward() calls and optimizer steps to report loss and step counts."""

    def __init__(self, channel: BlockingChannel) -> None:
        self.channel = channel
        self.losses: list[float] = []
        self.steps = 0
        self.started = time.monotonic()
        self._last_sent = 0.0

    def install(self) -> None:
        import torch

        original_backward = torch.Tensor.backward
        hooks = self

        def backward(tensor: Any, *args: Any, **kwargs: Any) -> Any:
            if tensor.numel() == 1 and len(hooks.losses) < MAX_LOSSES:
                hooks.losses.append(float(tensor.detach().float().item()))
            return original_backward(tensor, *args, **kwargs)

        torch.Tensor.backward = backward  # type: ignore[method-assign,assignment]
        from torch.optim.optimizer import register_optimizer_step_post_hook

        register_optimizer_step_post_hook(self._on_step)

    def _on_step(self, *_: Any) -> None:
        self.steps += 1
        now = time.monotonic()
        if now - self._last_sent >= PROGRESS_EVERY_S:
            self._last_sent = now
            loss = self.losses[-1] if self.losses else None
            self.channel.send("progress", step=self.steps, loss=loss, elapsed=round(now - self.started, 2))


def load_learner_module(source: str, filename: str) -> types.ModuleType:
    """Import the submission as module ``submission`` (so ``__main__`` blocks do not run)."""
    module = types.ModuleType("submission")
    module.__file__ = filename
    sys.modules["submission"] = module
    code = compile(source, filename, "exec", dont_inherit=True)
    exec(code, module.__dict__)
    return module


def learner_traceback(exc: BaseException, filename: str) -> str:
    """The traceback cut to the learner's own frames, which is what they can act on."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    lines = traceback.format_list(frames) if frames else []
    return "".join(lines) + "".join(traceback.format_exception_only(type(exc), exc))


def _flush() -> None:
    """Output written so far reaches the pipes before the result: the supervisor stops reading then."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


def run_script(channel: BlockingChannel, job: dict[str, Any]) -> None:
    """Plain run (``tutor sandbox run``): the file runs as ``__main__``."""
    source, filename = job["source"], job["filename"]
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": filename}
    code = compile(source, filename, "exec", dont_inherit=True)
    exec(code, namespace)
    _flush()
    channel.send("done")


def run_graded(channel: BlockingChannel, job: dict[str, Any]) -> None:
    from challenges.base import HarnessContext

    harness = importlib.import_module(job["harness"])
    data = channel.recv()["payload"]
    hooks = ProgressHooks(channel)
    hooks.install()

    def report(**event: Any) -> None:
        kind = event.pop("kind", "progress")
        channel.send(kind, **event)

    ctx = HarnessContext(
        time_budget_s=float(job["time_budget_s"]), threads=int(job["threads"]), report=report,
        device=job.get("device", "cpu"),
    )
    ctx.phase("load")
    learner = load_learner_module(job["source"], job["filename"])
    state = harness.train(learner, data, ctx)
    facts = dict(harness.facts(learner, state, ctx))
    import numpy as np

    facts["_losses"] = np.asarray(hooks.losses, dtype=np.float32)
    facts["_steps"] = hooks.steps
    channel.send("facts", facts)
    inputs = channel.recv()["payload"]
    predictions = harness.predict(learner, state, inputs, ctx)
    _flush()
    channel.send("predictions", dict(predictions))


def setup_device(job: dict[str, Any]) -> None:
    """GPU jobs: CUDA is initialised here, after isolation, never in the zygote; then capped."""
    device = str(job.get("device", "cpu"))
    if not device.startswith("cuda"):
        return
    import torch

    index = int(device.partition(":")[2] or 0)
    torch.cuda.init()
    torch.cuda.set_device(index)
    torch.cuda.set_per_process_memory_fraction(float(job.get("gpu_memory_fraction", 0.9)), index)


def main(fd: int, isolation_ms: dict[str, float] | None = None) -> None:
    channel = BlockingChannel(socket.socket(fileno=fd))
    for stream in (sys.stdout, sys.stderr):  # the zygote's are block-buffered (python -I ignores the env)
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True)
    channel.send("isolated", timings=isolation_ms or {})  # the supervisor now knows any later failure is the job's own
    job = channel.recv()["payload"]
    try:
        import torch

        torch.set_num_threads(int(job.get("threads", 1)))
        setup_device(job)
        if job.get("harness"):
            run_graded(channel, job)
        else:
            run_script(channel, job)
    except BaseException as exc:
        text = learner_traceback(exc, job.get("filename", "submission.py"))
        sys.stderr.write(text)
        sys.stderr.flush()
        try:
            channel.send("error", error=f"{type(exc).__name__}: {exc}"[:2000], traceback=text[-8000:])
        except OSError:
            pass
        sys.stdout.flush()
        os._exit(1)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip atexit handlers and __del__ printing after the trusted phase


if __name__ == "__main__":
    main(int(sys.argv[1]))
