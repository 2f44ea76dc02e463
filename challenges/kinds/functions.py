"""The ``functions`` kind: the learner's functions are called in the sandbox on cases the grader
makes, and what they return is judged here.

The challenge's ``hooks.py`` provides ``calls(rng) -> list[Call]`` and
``judge(calls, results) -> list[Check]``; an optional ``inside.py`` holds scenarios for set-ups
plain arguments cannot describe (patched torch, files in scratch, hooked modules). Returned
values are data: nothing is unpickled, and judge functions treat every value as hostile.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from challenges.errors import ExchangeError
from challenges.kinds.base import Call, CallResult, Exchange, Message, RunRecord, SandboxPlan, Submission
from challenges.kinds.common import FAKE_VERDICT, tally
from challenges.kinds.registry import CommonCase, Kind, draw_seed
from challenges.verdict import Check, Evaluation

if TYPE_CHECKING:
    from challenges.catalogue import Challenge, ChallengeSpec

INSIDE = "challenges.kinds.functions_inside"
ARRAY_PREFIX = "r:"
BLOB_PREFIX = "b:"
START_S = 30.0
MAX_WIRE_DEPTH = 100  # nesting of one returned value (the channel's header is bounded the same way)
MAX_WIRE_DIMS = 32
MAX_WIRE_ELEMENTS = 1 << 22  # elements of one nested array (it came in a header of at most 1 MiB)
MAX_INT_BITS = 1023  # a larger integer cannot become a float: comparing it with one would raise
MAX_ERROR = 500


class FunctionsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    names: list[str] = Field(min_length=1)  # the functions the learner's file defines
    #: checks whose numeric value is also a metric of the verdict, under the check's name (a probe's
    #: accuracy measured on the trusted side): calibration prints it and ``[tiers]`` may cut on it
    metrics: list[str] = Field(default_factory=list)


class FunctionsSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    functions: FunctionsConfig


class UnreadableValue(ValueError):
    """A returned value the grader will not read (too deep, or an integer past any float)."""


def from_wire(value: Any, depth: int = 0) -> Any:
    """Undo ``functions_inside.to_wire`` for nested arrays and non-finite floats.

    Everything is hostile: a nested array is rebuilt only with a plain numeric dtype and when its
    data has exactly the declared shape (else it reads as None); nesting deeper than
    ``MAX_WIRE_DEPTH`` or an integer too large for a float raises ``UnreadableValue``."""
    if depth > MAX_WIRE_DEPTH:
        raise UnreadableValue(f"it nests more than {MAX_WIRE_DEPTH} levels deep")
    if isinstance(value, dict):
        if "__array__" in value and set(value) == {"__array__", "dtype", "shape"}:
            return _wire_array(value)
        if set(value) == {"__float__"}:
            return float(value["__float__"]) if value["__float__"] in ("nan", "inf", "-inf") else None
        out: dict[Any, Any] = {}
        for k, v in value.items():
            out[k] = from_wire(v, depth + 1)
        return out
    if isinstance(value, list):
        items = []
        for v in value:
            items.append(from_wire(v, depth + 1))
        return items
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise UnreadableValue("it holds an integer too large to compare with a float")
    return value


def _wire_array(value: Mapping[str, Any]) -> np.ndarray | None:
    """A nested array of ``to_wire``, or None: the dtype must be a plain number type and the data
    must be exactly the declared shape, so nothing is allocated from what a value merely claims."""
    dtype_name, shape = value["dtype"], value["shape"]
    if not isinstance(dtype_name, str) or len(dtype_name) > 16:
        return None
    if not isinstance(shape, list) or len(shape) > MAX_WIRE_DIMS:
        return None
    if not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_WIRE_ELEMENTS for d in shape):
        return None
    try:
        dtype = np.dtype(dtype_name)
        if dtype.kind not in "biuf" or dtype.itemsize > 8 or dtype.names is not None or dtype.subdtype is not None:
            return None
        if math.prod(shape) > MAX_WIRE_ELEMENTS:
            return None
        array = np.array(value["__array__"], dtype=dtype.newbyteorder("="))
    except Exception:  # strings, ragged lists, dicts, integers past the dtype: not an array of ours
        return None
    return array if list(array.shape) == shape else None


def _read(value: Any) -> CallResult:
    try:
        return CallResult(value=from_wire(value))
    except UnreadableValue as exc:
        return CallResult(error=f"the grader could not read the returned value: {exc}")


def read_results(calls: list[Call], payload: Mapping[str, Any]) -> dict[str, CallResult]:
    """One result per call from a ``results`` payload (hostile: bounded errors, wire values read
    by ``from_wire``, a missing result is an error); also the trained kind's unit calls."""
    raw_values, raw_errors = payload.get("values"), payload.get("errors")
    values: dict[str, Any] = raw_values if isinstance(raw_values, dict) else {}
    errors: dict[str, Any] = raw_errors if isinstance(raw_errors, dict) else {}
    results: dict[str, CallResult] = {}
    for call in calls:
        error = errors.get(call.id)
        array = payload.get(ARRAY_PREFIX + call.id)
        if isinstance(error, str):
            results[call.id] = CallResult(error=error[:MAX_ERROR])
        elif isinstance(array, np.ndarray):
            results[call.id] = CallResult(value=array)
        elif ARRAY_PREFIX + call.id in payload:  # a plain value where an array frame belongs
            results[call.id] = _read(array)
        elif call.id in values:
            results[call.id] = _read(values[call.id])
        else:
            results[call.id] = CallResult(error="no result came back for this call")
    return results


def call_messages(calls: list[Call]) -> list[dict[str, Any]]:
    """Calls as the sandbox side reads them (plain JSON)."""
    return [{"id": c.id, "function": c.function, "args": list(c.args), "kwargs": c.kwargs, "scenario": c.scenario,
             "blob": c.blob} for c in calls]


class FunctionsExchange(Exchange):
    def __init__(self, challenge: Challenge, submission: Submission, seed: int | None) -> None:
        self.challenge = challenge
        self.submission = submission
        hooks = challenge.hooks
        assert hooks is not None
        self.calls: list[Call] = list(hooks.calls(random.Random(draw_seed() if seed is None else seed)))
        self.results: dict[str, CallResult] = {}
        self.stage = 1  # 2: the follow-up calls, in a fresh job without the learner's module
        self.follow_calls: list[Call] = []

    @property
    def plan(self) -> SandboxPlan:
        lim = self.challenge.spec.limits
        phases = {"start": START_S, "load": lim.load_s, "calls": lim.call_s}
        return SandboxPlan(
            entry=INSIDE, source=self.submission.source, filename=self.submission.filename,
            params={"inside": self.challenge.inside_module}, phases=phases, total_s=sum(phases.values()),
            memory_mb=lim.memory_mb, threads=lim.threads, device=self.challenge.spec.device,
        )

    def opening(self) -> list[Message]:
        current = self.calls if self.stage == 1 else self.follow_calls
        payload: dict[str, Any] = {"calls": call_messages(current)}
        for c in current:  # an earlier call's returned bytes, as a frame
            earlier = self.results.get(c.blob) if c.blob else None
            if earlier is not None and isinstance(earlier.value, np.ndarray):
                payload[BLOB_PREFIX + c.id] = earlier.value
        return [Message("calls", payload)]

    def next_plan(self) -> SandboxPlan | None:
        """The challenge's follow-up calls (``hooks.followup(calls, results)``), in a fresh job that
        never imports the learner's module: an exported artifact must load on its own."""
        hooks = self.challenge.hooks
        if self.stage != 1 or hooks is None or not hasattr(hooks, "followup"):
            return None
        self.stage = 2
        self.follow_calls = list(hooks.followup(self.calls, self.results) or [])
        if not self.follow_calls:
            return None
        lim = self.challenge.spec.limits
        phases = {"start": START_S, "load": lim.load_s, "calls": lim.call_s}
        return SandboxPlan(
            entry=INSIDE, source="", filename="fresh.py", params={"inside": self.challenge.inside_module, "fresh": True},
            phases=phases, total_s=sum(phases.values()), memory_mb=lim.memory_mb, threads=lim.threads,
            device=self.challenge.spec.device,
        )

    def receive(self, message: Message) -> list[Message]:
        if message.kind != "results" or self.finished:
            raise ExchangeError(f"unexpected or repeated {str(message.kind)[:40]!r} message")
        self.results.update(read_results(self.calls if self.stage == 1 else self.follow_calls, message.payload))
        self.finished = True
        return []

    def run_facts(self) -> dict[str, Any]:
        lim = self.challenge.spec.limits
        return {"hard_limit_s": lim.call_s, "memory_mb": lim.memory_mb}

    def evaluate(self, run: RunRecord) -> Evaluation:
        hooks = self.challenge.hooks
        assert hooks is not None
        evaluation = tally(list(hooks.judge(self.calls + self.follow_calls, self.results)), "cases")
        evaluation.metrics.update(measured(evaluation.checks, self.challenge.config.metrics))
        return evaluation


class FunctionsKind(Kind):
    name = "functions"
    inside_modules = (INSIDE,)

    def validate(self, spec: ChallengeSpec) -> FunctionsConfig:
        if not spec.python_file:
            raise ValueError("a functions challenge takes one Python file")
        config = FunctionsSection(**spec.sections).functions
        if spec.tiers is not None and spec.tiers.metric not in config.metrics:
            raise ValueError(f"tiers are on {spec.tiers.metric!r}, which [functions] metrics does not name")
        return config

    def check_folder(self, challenge: Challenge) -> None:
        hooks = challenge.hooks
        if hooks is None or not callable(getattr(hooks, "calls", None)) or not callable(getattr(hooks, "judge", None)):
            raise ValueError("a functions challenge has hooks.py with calls(rng) and judge(calls, results)")

    def exchange(self, challenge: Challenge, submission: Submission, *, seed: int | None = None) -> FunctionsExchange:
        return FunctionsExchange(challenge, submission, seed)

    def pass_lines(self, challenge: Challenge) -> list[str]:
        names = ", ".join(f"{n}()" for n in challenge.config.names)
        return [f"every case the grader makes for {names} holds"]

    def common_cases(self, challenge: Challenge) -> list[CommonCase]:
        from challenges.catalogue import Case

        (name, reference), = challenge.reference_files.items()
        names: list[str] = challenge.config.names

        def redefine(body: str) -> str:
            return reference + "".join(f"\n\ndef {n}(*args, **kwargs):\n{body}" for n in names)

        def case(case_name: str, source: str, expected: str, why: str) -> CommonCase:
            return CommonCase(Case(name=f"common:{case_name}", file=name, expected=expected, why=why), {name: source})  # type: ignore[arg-type]

        return [
            case("raises", redefine("    raise RuntimeError('not implemented')\n"), "failed",
                 "every call raises: each case fails with the error"),
            case("hangs", redefine("    while True:\n        pass\n"), "timeout", "a call never returns"),
            case("eats-memory", redefine("    kept = []\n    while True:\n        kept.append(bytearray(64 << 20))\n"),
                 "memory", "a call allocates past the memory limit"),
            case("wrong-type", redefine("    return object()\n"), "failed", "the return value is not data"),
            case("prints-fake-verdict", f"print({FAKE_VERDICT!r})\n" + challenge.starter, "failed",
                 "printing a verdict changes nothing: the starter still fails"),
        ]


def measured(checks: list[Check], names: list[str]) -> dict[str, float]:
    """The finite numeric values of the named checks, by check name (a check that never got a
    number, e.g. because the call raised, gives no metric)."""
    metrics: dict[str, float] = {}
    for check in checks:
        value = check.value
        if check.name in names and isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            metrics[check.name] = float(value)
    return metrics


def results_of(values: Mapping[str, Any]) -> dict[str, CallResult]:
    """Wrap plain values as results (tests and in-process calibration of our own files)."""
    return {k: CallResult(value=v) for k, v in values.items()}
