"""Runs inside the isolated sandbox process, after isolation: a plain script, or an entry module.

The core knows no grading conversation. A job either runs the learner's file as ``__main__``
(``tutor sandbox run``), or hands the channel to the entry module the job names
(``main(channel, job)``: a grading layer's sandbox side, exported into the jail by its caller).
Everything here shares an interpreter with hostile code, so nothing here is trusted by the other
side: it only moves plain data over the job channel.
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
import traceback
from typing import Any

from sandbox.core.protocol import BlockingChannel


def learner_traceback(exc: BaseException, filename: str) -> str:
    """The traceback cut to the learner's own frames, which is what they can act on."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    lines = traceback.format_list(frames) if frames else []
    return "".join(lines) + "".join(traceback.format_exception_only(type(exc), exc))


def flush() -> None:
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
    flush()
    channel.send("done")


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
        entry = job.get("entry")
        if entry:
            importlib.import_module(str(entry)).main(channel, job)
            flush()
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
