"""C6.3 birnn-text-features: the generator puts the class in the cue's position only, the trusted
probe and checks judge our own files in this process (their scenarios included), the diagnoses
name the end the features miss, and hostile feature values fail cleanly without a crash."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from challenges.content.birnn_text_features import hooks, inside
from challenges.kinds.base import Call, CallResult
from challenges.kinds.functions import from_wire, measured
from challenges.kinds.functions_inside import to_wire
from challenges.verdict import MAX_CHECK_MESSAGE, OBSERVED, TRUSTED, Check

FOLDER = Path(hooks.__file__).parent


def load(relative: str) -> ModuleType:
    path = FOLDER / relative
    spec = importlib.util.spec_from_file_location(f"c63_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(learner: ModuleType, calls: list[Call]) -> dict[str, CallResult]:
    """The sandbox's way: each scenario's value goes over the wire and back; an exception is the error."""
    results = {}
    for call in calls:
        try:
            wire = to_wire(getattr(inside, str(call.scenario))(learner, *call.args), call.function)
            results[call.id] = CallResult(value=wire if isinstance(wire, np.ndarray) else from_wire(wire))
        except Exception as exc:
            results[call.id] = CallResult(error=f"{type(exc).__name__}: {exc}")
    return results


def verdict(relative: str, seed: int = 0) -> dict[str, Check]:
    calls = hooks.calls(random.Random(seed))
    return {c.name: c for c in hooks.judge(calls, run(load(relative), calls))}


def failing(checks: dict[str, Check]) -> set[str]:
    return {name for name, check in checks.items() if not check.passed and not check.warning}


# --- the data --------------------------------------------------------------------------------------


def test_one_cue_per_sequence_and_the_class_is_where_it_sits() -> None:
    tokens, lengths, where = inside.make_set(11, 2000)
    assert tokens.shape == (2000, lengths.max()) and lengths.min() >= inside.MIN_LEN and lengths.max() <= inside.MAX_LEN
    for row, length, group in zip(tokens, lengths, where, strict=True):
        assert (row[length:] == inside.PAD).all() and (row[:length] != inside.PAD).all()
        [position] = np.flatnonzero(row == inside.CUE)
        if group == inside.START:
            assert position < inside.EDGE
        elif group == inside.END:
            assert position >= length - inside.EDGE
        else:
            assert inside.GAP <= position < length - inside.GAP
    labels = inside.labels_of(where)
    assert 0.45 < labels.mean() < 0.55
    assert 0.2 < (where == inside.START).mean() < 0.3 and 0.2 < (where == inside.END).mean() < 0.3
    # the classes share their length distribution, so a bag of tokens (one cue each) says nothing
    assert abs(lengths[labels == 1].mean() - lengths[labels == 0].mean()) < 0.6


def test_batches_are_deterministic_and_extra_padding_is_zeros() -> None:
    padded, lengths = inside.make_batch(5, 300, 40, 0)
    again, _ = inside.make_batch(5, 300, 40, 0)
    longer, same_lengths = inside.make_batch(5, 300, 40, hooks.EXTRA_PAD)
    assert padded.dtype == lengths.dtype == longer.dtype == padded.new_zeros(0).long().dtype
    assert (padded == again).all() and (lengths == same_lengths).all()
    assert longer.shape[1] == padded.shape[1] + hooks.EXTRA_PAD and (longer[:, : padded.shape[1]] == padded).all()
    assert (longer[:, padded.shape[1]:] == 0).all()


def test_calls_use_two_fresh_seeds_and_recheck_the_test_rows() -> None:
    calls = {c.id: c for c in hooks.calls(random.Random(3))}
    assert set(calls) == {"train", "test", "repeat", "padded", "structure"}
    assert calls["train"].args[0] != calls["test"].args[0]
    assert calls["repeat"].args[:2] == calls["padded"].args[:2] == calls["test"].args[:2]
    assert calls["padded"].args[3] == hooks.EXTRA_PAD and calls["repeat"].args[3] == 0
    other = {c.id: c for c in hooks.calls(random.Random(4))}
    assert other["test"].args[0] != calls["test"].args[0]


# --- our files, judged in this process ---------------------------------------------------------------


def test_the_reference_passes_every_check_with_margin() -> None:
    checks = verdict("reference.py", seed=7)
    assert not failing(checks)
    probe = checks["probe"]
    assert isinstance(probe.value, float) and probe.value >= hooks.PASS_ACCURACY + 0.05
    assert probe.evidence == TRUSTED and checks["padding-invariance"].evidence == TRUSTED
    assert checks["bidirectional-final-states"].evidence == OBSERVED


@pytest.mark.parametrize(("relative", "fails"), [
    ("starter.py", {"probe", "bidirectional-final-states"}),
    ("cases/uni_two_layers.py", {"probe", "bidirectional-final-states"}),
    ("cases/last_step_unpacked.py", {"padding-invariance", "probe", "bidirectional-final-states"}),
    ("cases/tutorial_train_mode.py", {"frozen", "padding-invariance", "probe"}),
])
def test_classic_mistakes_fail_where_they_should(relative: str, fails: set[str]) -> None:
    checks = verdict(relative)
    assert failing(checks) == fails
    assert all(checks[name].advice for name in fails)


def test_the_probe_names_the_end_a_forward_only_encoder_misses() -> None:
    probe = verdict("cases/uni_two_layers.py")["probe"]
    assert "END of each sequence but not its start" in probe.advice and "bidirectional=True" in probe.advice
    assert isinstance(probe.value, float) and probe.value < hooks.PASS_ACCURACY - 0.10  # clearly below
    starter = verdict("starter.py")["probe"]
    assert "miss both ends" in starter.advice and isinstance(starter.value, float) and starter.value < 0.65


def test_unsorted_lengths_get_the_enforce_sorted_advice() -> None:
    checks = verdict("cases/sorted_lengths.py")
    assert "enforce_sorted=False" in checks["features"].advice
    assert checks["probe"].advice == hooks.NEEDS_FEATURES


@pytest.mark.parametrize(("relative", "words"), [
    ("cases/nan_features.py", "NaN"),
    ("cases/huge_features.py", "past 10000"),
    ("cases/integer_features.py", "int64"),
])
def test_bad_feature_values_are_refused_before_the_probe(relative: str, words: str) -> None:
    checks = verdict(relative)
    assert words in checks["features"].message
    assert {"features", "frozen", "padding-invariance", "probe"} <= failing(checks)


# --- hostile values ----------------------------------------------------------------------------------


HOSTILE: list[Any] = [None, 3, 2.5, "x" * 10_000, [1, 2], {"rnns": "all"}, {"rnns": [{"type": 5}] * 100, "matches": True},
                      np.zeros((3, 3)), np.zeros((1000, 3)), np.zeros((1000, 4), dtype=np.bool_),
                      np.full((1000, 4), np.inf), np.zeros((1000, 2, 2)), np.zeros((1000, 0))]


@pytest.mark.parametrize("value", HOSTILE, ids=[type(v).__name__ + str(i) for i, v in enumerate(HOSTILE)])
def test_hostile_values_fail_cleanly(value: Any) -> None:
    calls = hooks.calls(random.Random(0))
    checks = hooks.judge(calls, {c.id: CallResult(value=value) for c in calls})
    gating = [c for c in checks if not c.warning]
    assert not any(c.passed for c in gating if c.evidence == TRUSTED)
    assert all(c.advice and len(c.message) <= MAX_CHECK_MESSAGE for c in gating if not c.passed)


def test_errors_and_missing_results_fail_cleanly() -> None:
    calls = hooks.calls(random.Random(1))
    for results in ({}, {c.id: CallResult(error="E" * 5000) for c in calls}):
        checks = hooks.judge(calls, results)
        assert len(checks) == 5 and not any(c.passed for c in checks)
        assert all(len(c.message) <= MAX_CHECK_MESSAGE for c in checks)


def test_constant_features_are_at_chance_not_a_crash() -> None:
    calls = hooks.calls(random.Random(2))
    results = {c.id: CallResult(value=np.ones((int(c.args[2]), 8), dtype=np.float32)) for c in calls if c.id != "structure"}
    checks = {c.name: c for c in hooks.judge(calls, results)}
    assert checks["features"].passed and checks["frozen"].passed and checks["padding-invariance"].passed
    assert not checks["probe"].passed and isinstance(checks["probe"].value, float) and checks["probe"].value < 0.6


def test_features_differing_in_width_between_calls_fail() -> None:
    calls = hooks.calls(random.Random(2))
    results = {c.id: CallResult(value=np.zeros((int(c.args[2]), 8 if c.id == "train" else 6), dtype=np.float32))
               for c in calls}
    assert "different widths" in {c.name: c for c in hooks.judge(calls, results)}["features"].message


def test_probe_advice_covers_each_pattern() -> None:
    good, bad = 1.0, 0.2
    start, middle, end = inside.START, inside.MIDDLE, inside.END
    assert "END of each" in hooks.probe_advice({start: bad, middle: good, end: good})
    assert "START of each" in hooks.probe_advice({start: good, middle: good, end: bad})
    assert "both ends" in hooks.probe_advice({start: bad, middle: good, end: bad})
    assert hooks.probe_advice({start: good, middle: bad, end: good}) == hooks.ADVICE


# --- the functions kind reports the probe as a metric -------------------------------------------------


def test_measured_checks_become_metrics() -> None:
    checks = [Check("probe", True, "ok", 0.97), Check("frozen", True, "ok", 0.0), Check("probe-nan", False, "x", float("nan")),
              Check("flag", True, "x", True), Check("words", True, "x", "text")]  # type: ignore[arg-type]
    assert measured(checks, ["probe", "probe-nan", "flag", "words"]) == {"probe": 0.97}
    assert measured(checks, []) == {}


def test_tiers_on_a_functions_challenge_must_name_a_reported_metric() -> None:
    from challenges.catalogue import load_catalogue

    challenge = load_catalogue().get("birnn-text-features")
    assert challenge is not None and challenge.config.metrics == ["probe"]
    assert challenge.spec.tiers is not None and challenge.spec.tiers.metric == "probe"
    broken = challenge.spec.model_copy(update={"tiers": challenge.spec.tiers.model_copy(update={"metric": "accuracy"})})
    with pytest.raises(ValueError, match="accuracy"):
        challenge.kind.validate(broken)
