"""A challenge's declared diagnoses: a bounded expression language over the run's facts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from challenges.feedback.declared import DeclaredDiagnosis
from challenges.feedback.facts import MetricFacts, RunFacts


def _facts(**metrics: float) -> RunFacts:
    metric = MetricFacts("mse_ratio", "ratio", metrics.get("mse_ratio", 1.0), 0.6, False, 1.0, "blur")
    return RunFacts("failed", "predict", False, [], [], dict(metrics), metric, [1.0, 0.9] * 10, 20, 10.0, 14.0)


def declared(when: str, evidence: str = "ratio {mse_ratio:.2f}") -> DeclaredDiagnosis:
    return DeclaredDiagnosis(name="noisy_target", kind="actionable", when=when, evidence=evidence, next_step="train on clean")


def test_it_fires_on_its_predicate_with_the_numbers_formatted() -> None:
    d = declared("mse_ratio > 0.9 and steps >= 20 and not passed").applies(_facts(mse_ratio=1.4))
    assert d is not None and d.evidence == "ratio 1.40" and d.source == "challenge"
    assert declared("mse_ratio > 2").applies(_facts(mse_ratio=1.4)) is None


def test_missing_evidence_means_no_diagnosis() -> None:
    assert declared("unknown_fact > 0").applies(_facts(mse_ratio=1.4)) is None
    assert declared("mse_ratio / (steps - 20) > 0").applies(_facts(mse_ratio=1.4)) is None  # division by zero


@pytest.mark.parametrize("when", ["__import__('os')", "mse_ratio.real > 0", "[1][0]", "'a' < 'b'", "x if y else z",
                                  "(lambda: 1)()", "a" * 400])
def test_only_arithmetic_and_comparisons_load(when: str) -> None:
    with pytest.raises(ValidationError):
        declared(when)


def test_placeholders_name_facts_only() -> None:
    with pytest.raises(ValidationError):
        declared("steps > 0", evidence="{mse_ratio.__class__}")


def test_a_failed_check_is_a_name_only_while_it_failed() -> None:
    from dataclasses import replace

    failed = replace(_facts(mse_ratio=1.4), checks_failed=["recurrent", "odd name"])
    assert failed.names()["failed_recurrent"] == 1.0 and "failed_odd name" not in failed.names()
    assert declared("failed_recurrent > 0").applies(failed) is not None
    assert declared("failed_recurrent > 0").applies(_facts(mse_ratio=1.4)) is None  # held: the name is missing
