"""Diagnoses of how a job ended when it did not finish: the stage, the limit, the likely cause.

These apply to every kind that runs code. The error text quoted comes from the sandbox and was
cleaned by the grading layer; it is only ever quoted, never interpreted beyond its type name.
"""

from __future__ import annotations

import re

from challenges.feedback.facts import RunFacts
from challenges.verdict import Diagnosis

SHAPE_ERROR = re.compile(r"shape|size mismatch|mat1 and mat2|Expected .* channels|expected input\[|must match the size",
                         re.IGNORECASE)
ERROR_TYPE = re.compile(r"\b([A-Z][A-Za-z]*(?:Error|Exception|Interrupt))\b")

_STAGE_DOES = {
    "load": "importing your file", "build": "building the model", "forward": "the first forward pass on two training inputs",
    "train": "training", "predict": "predicting on the hidden inputs", "facts": "reading the trained weights",
    "calls": "calling your functions on the grader's cases",
}


def outcome_diagnoses(f: RunFacts) -> list[Diagnosis]:
    stage = f.stage or "load"
    doing = _STAGE_DOES.get(stage, f"the {stage} stage")
    if f.status == "timeout":
        if stage == "train" and f.budget_s:
            limit = f" hard limit of {f.hard_limit_s:.0f} s" if f.hard_limit_s else " hard limit"
            return [Diagnosis("ignores_time_budget", "actionable",
                              f"train() was still running at the{limit}; its budget was {f.budget_s:.0f} s.",
                              "Read the clock once per batch (start = time.monotonic() before the loop) and return "
                              "as soon as time.monotonic() - start > 0.8 * time_budget_s.", "outcome")]
        return [Diagnosis("hangs", "actionable", f"Your code was still running during {doing} when its time ran out.",
                          "Look for a loop that never ends or a call that waits (input(), a lock, a server): "
                          "every function must return on its own.", "outcome")]
    if f.status == "memory":
        limit = f"{f.memory_mb} MB" if f.memory_mb else "its memory limit"
        return [Diagnosis("out_of_memory", "actionable", f"Your code used more than {limit} during {doing}.",
                          "Keep less alive: append loss.item() (a number), not loss (a tensor with its graph); "
                          "use smaller batches or a smaller model; don't collect tensors in lists.", "outcome")]
    if f.status == "error" and any(m.startswith("Syntax error") for m in f.failed_messages):
        where = next(m for m in f.failed_messages if m.startswith("Syntax error")).split(":")[0]
        return [Diagnosis("syntax_error", "actionable", f"Python could not parse your file ({where}).",
                          "Look at that line and the one before it: an unclosed bracket or string, a missing colon "
                          "after def/for/if, or mixed indentation. Run `python -m py_compile yourfile.py` locally.",
                          "outcome")]
    if f.status == "error":
        found = ERROR_TYPE.search(f.error)
        kind = found.group(1) if found else "an exception"
        if SHAPE_ERROR.search(f.error) and stage in ("forward", "train", "predict"):
            step = ("Read the layer table below: it shows each layer's input and output shape up to the one that "
                    "failed; make that layer's in_features / in_channels match what arrives." if f.traced else
                    "Print x.shape after each step of forward() (and the shapes the loss gets) on one batch "
                    "locally: the first one that differs from what the next layer was built for is the bug.")
            return [Diagnosis("shape_mismatch", "actionable",
                              f"{kind} during {doing}: tensor shapes did not fit together.", step, "outcome")]
        return [Diagnosis("raised", "actionable", f"Your code raised {kind} during {doing}.",
                          "The last lines of the traceback name the line; run that function locally on a small "
                          "input (the starter shows how) and fix it there first.", "outcome")]
    if f.status == "rejected":
        return [Diagnosis("policy", "actionable", "The file was refused before it ran: " +
                          "; ".join(f.failed_messages[:2]) + ".",
                          "Each line of the verdict names the construct and its line; remove it (the sandbox has no "
                          "network, no subprocesses and no files outside its scratch).", "outcome")]
    return []
