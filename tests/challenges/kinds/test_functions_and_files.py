"""The functions and files kinds' trusted sides, without a sandbox: results are hostile data."""

from __future__ import annotations

import numpy as np
import pytest

from challenges.catalogue import load_catalogue
from challenges.errors import ExchangeError
from challenges.kinds.base import Message, RunRecord, Submission
from challenges.kinds.functions import FunctionsExchange, from_wire

CATALOGUE = load_catalogue()
FUNCTIONS = [c for c in CATALOGUE if c.spec.kind == "functions"]
FILES = [c for c in CATALOGUE if c.spec.kind == "files"]


@pytest.mark.parametrize("challenge", FUNCTIONS, ids=[c.id for c in FUNCTIONS])
def test_functions_exchange_survives_garbage_results(challenge) -> None:  # type: ignore[no-untyped-def]
    for payload in ({}, {"values": "nope", "errors": 3}, {"values": {"x": [[[[1]]]]}, "errors": {}},
                    {"values": {}, "errors": {c.id: "E" * 10_000 for c in challenge.hooks.calls(__import__("random").Random(0))}}):
        exchange = challenge.kind.exchange(challenge, Submission({"s.py": "x = 1\n"}), seed=1)
        assert isinstance(exchange, FunctionsExchange)
        [calls] = exchange.opening()
        assert calls.kind == "calls" and calls.payload["calls"]
        exchange.receive(Message("results", payload))
        evaluation = exchange.evaluate(RunRecord())
        assert not evaluation.passed
        assert all(len(c.message) <= 500 for c in evaluation.checks)
    with pytest.raises(ExchangeError):
        exchange.receive(Message("results", {}))


def test_from_wire_restores_arrays_and_special_floats() -> None:
    assert np.array_equal(from_wire({"__array__": [1, 2], "dtype": "int64", "shape": [2]}), np.array([1, 2]))
    assert np.isnan(from_wire({"__float__": "nan"})) and from_wire({"__float__": "inf"}) == float("inf")
    assert from_wire({"__float__": "junk"}) is None
    assert from_wire({"__array__": "x", "dtype": "no-such-dtype", "shape": []}) is None


STATIC_FILES = [c for c in FILES if not hasattr(c.hooks, "run")]
RUNNING_FILES = [c for c in FILES if hasattr(c.hooks, "run")]


@pytest.mark.parametrize("challenge", STATIC_FILES, ids=[c.id for c in STATIC_FILES])
def test_files_exchange_judges_text_without_a_sandbox(challenge) -> None:  # type: ignore[no-untyped-def]
    exchange = challenge.kind.exchange(challenge, Submission(challenge.reference_files))
    assert exchange.plan is None
    assert exchange.evaluate(RunRecord()).passed
    junk = {name: "\x00\x1b[2J" * 1000 for name in challenge.reference_files}
    assert not challenge.kind.exchange(challenge, Submission(junk)).evaluate(RunRecord()).passed


@pytest.mark.parametrize("challenge", RUNNING_FILES, ids=[c.id for c in RUNNING_FILES])
def test_files_exchange_that_runs_a_script_plans_a_job(challenge) -> None:  # type: ignore[no-untyped-def]
    """A files challenge with hooks.run imports the named file in the sandbox; without the job's
    results its run check fails, and files that name nothing to run get no job at all."""
    exchange = challenge.kind.exchange(challenge, Submission(challenge.reference_files))
    plan = exchange.plan
    assert plan is not None and plan.entry == "challenges.kinds.functions_inside"
    assert plan.source in challenge.reference_files.values() and plan.params["inside"] == challenge.inside_module
    assert [m.kind for m in exchange.opening()] == ["calls"]
    assert not exchange.evaluate(RunRecord()).passed
    junk = {name: "\x00\x1b[2J" * 1000 for name in challenge.reference_files}
    assert challenge.kind.exchange(challenge, Submission(junk)).plan is None


def test_device_is_honoured() -> None:
    from dataclasses import replace

    from sandbox.core.pool import PoolConfig
    from sandbox.core.supervisor import Sandbox
    from sandbox.driver import resolve_device

    shapes = CATALOGUE.get("shapes-classifier")
    assert shapes is not None
    cpu_only = Sandbox(unsafe=True, pool=PoolConfig(size=1))
    with_gpu = Sandbox(unsafe=True, pool=replace(PoolConfig(size=1), gpu_devices=("1",)))
    for device, here, there in (("cpu", "cpu", "cpu"), ("any", "cpu", "cuda:1"), ("gpu", None, "cuda:1")):
        challenge = type(shapes)(shapes.folder, shapes.spec.model_copy(update={"device": device}), shapes.kind, shapes.config)
        assert resolve_device(challenge, cpu_only) == here
        assert resolve_device(challenge, with_gpu) == there
