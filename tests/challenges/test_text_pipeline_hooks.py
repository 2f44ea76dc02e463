"""C4.5 part A: the unit judge passes our reference's pieces, names each broken one, and reads
returned values as hostile data (wrong types fail, errors are named by type only)."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from types import ModuleType

from challenges.content.text_pipeline_no_torchtext import hooks
from challenges.kinds.base import CallResult
from challenges.kinds.functions import from_wire
from challenges.kinds.functions_inside import to_wire

FOLDER = Path(hooks.__file__).parent


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("piece", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _failed(module: ModuleType, seed: int = 3) -> set[str]:
    calls = hooks.calls(random.Random(seed))
    results = {}
    for call in calls:
        try:
            wire = to_wire(getattr(module, call.function)(*call.args), call.function)
            results[call.id] = CallResult(value=wire if hasattr(wire, "dtype") else from_wire(wire))
        except Exception as exc:
            results[call.id] = CallResult(error=f"{type(exc).__name__}: {exc}")
    return {c.name for c in hooks.judge(calls, results) if not c.passed}


def test_reference_passes_every_piece_and_the_starter_fails_them() -> None:
    for seed in range(5):
        assert _failed(_load(FOLDER / "reference.py"), seed) == set()
    assert _failed(_load(FOLDER / "starter.py")) == {"vocab_min_freq", "encode_unk", "collate_padding"}
    assert _failed(_load(FOLDER / "cases" / "min_freq_off_by_one.py")) == {"vocab_min_freq"}


def test_hostile_values_fail_without_echo() -> None:
    calls = hooks.calls(random.Random(1))
    results = {c.id: CallResult(error="KeyError: <script>secret</script>") for c in calls}
    checks = hooks.judge(calls, results)
    assert all(not c.passed and c.advice for c in checks)
    assert all("secret" not in c.message for c in checks)
    junk = {c.id: CallResult(value={"<pad>": "0"} if c.function == "build_vocab" else [object()]) for c in calls}
    assert {c.name for c in hooks.judge(calls, junk) if not c.passed} == set(hooks.ADVICE)
