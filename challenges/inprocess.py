"""Run a challenge's grading pipeline in this process, for calibration and tests only.

This is NOT the sandbox: it imports the given file as a module in the current process, so it must
only ever be pointed at our own files (references, starters, case files written by us), never at
learner code. It follows the same order as the real pipeline: training data -> ``harness.train``
-> ``harness.facts`` -> hidden test data -> ``harness.predict`` -> ``GRADER.evaluate``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import torch
from torch.optim.optimizer import register_optimizer_step_post_hook

from challenges.base import Evaluation, HarnessContext
from challenges.catalogue import Challenge


@dataclass
class RunResult:
    evaluation: Evaluation
    train_s: float
    train_cpu_s: float
    steps: int
    est_uncontended_train_s: float
    total_s: float
    grader_s: float
    facts: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)


def import_file(path: Path, name: str | None = None) -> ModuleType:
    """Import one of OUR files as a fresh module (never learner code: no isolation here)."""
    mod_name = name or f"_inprocess_{path.stem}_{time.monotonic_ns()}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    """Round-trip non-array values through JSON, as the real boundary does."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        out[key] = value if isinstance(value, np.ndarray) else json.loads(json.dumps(value))
    return out


def run(
    challenge: Challenge,
    module_path: Path,
    train_seed: int | None = None,
    test_seed: int | None = None,
    threads: int | None = None,
    budget_s: float | None = None,
) -> RunResult:
    """Grade ``module_path`` (one of our own files) on ``challenge`` in this process."""
    spec = challenge.spec
    assert spec.seeds is not None, "only graded challenges have a pipeline"
    threads = threads or spec.limits.threads
    torch.set_num_threads(threads)
    grader = challenge.grader()
    harness = importlib.import_module(f"{challenge.package}.harness")
    events: list[dict[str, Any]] = []
    ctx = HarnessContext(
        time_budget_s=spec.limits.train_budget_s if budget_s is None else budget_s,
        threads=threads,
        report=lambda **event: events.append(event),
    )
    t0 = time.perf_counter()
    data = _jsonable(grader.training_data(spec.seeds.train if train_seed is None else train_seed))
    t_data = time.perf_counter()
    learner = import_file(module_path)
    stamps: list[float] = []

    def count(*_: Any) -> None:
        stamps.append(time.perf_counter())

    handle = register_optimizer_step_post_hook(count)
    cpu0 = time.process_time()
    try:
        state = harness.train(learner, data, ctx)
    finally:
        handle.remove()
    t_train = time.perf_counter()
    cpu_train = time.process_time() - cpu0
    gaps = np.diff(np.asarray([t_data, *stamps]))
    # On a shared machine wall time is noise; the 10th-percentile step time x steps estimates
    # what the same training costs on an idle host with the same thread count.
    estimate = float(np.percentile(gaps, 10) * len(gaps)) if len(gaps) else 0.0
    facts = _jsonable(harness.facts(learner, state, ctx))
    t1 = time.perf_counter()
    inputs, labels = grader.test_data(spec.seeds.test if test_seed is None else test_seed)
    t2 = time.perf_counter()
    predictions = _jsonable(harness.predict(learner, state, _jsonable(inputs), ctx))
    t3 = time.perf_counter()
    evaluation = grader.evaluate(predictions, labels, facts, spec.thresholds)
    t4 = time.perf_counter()
    return RunResult(
        evaluation=evaluation,
        train_s=t_train - t_data,
        train_cpu_s=cpu_train,
        steps=len(stamps),
        est_uncontended_train_s=estimate,
        total_s=t4 - t0,
        grader_s=(t_data - t0) + (t2 - t1) + (t4 - t3),
        facts=facts,
        events=events,
    )
