"""The run rules fire on their evidence and only on it (facts built by hand, as the trusted side
would see them)."""

from __future__ import annotations

import math

from challenges.feedback.facts import MetricFacts, RunFacts
from challenges.feedback.run_rules import run_diagnoses


def _facts(*, passed: bool = False, value: float = 0.5, losses: list[float] | None = None, steps: int = 100,
           train_s: float | None = 11.0, chance: float | None = 0.25, baseline: float | None = 0.4,
           train_value: float | None = None, threshold: float = 0.95) -> RunFacts:
    metric = MetricFacts("accuracy", "test accuracy", value, threshold, True, baseline, "linear-on-pixels", chance,
                         train_value)
    return RunFacts(status="passed" if passed else "failed", stage="predict", passed=passed, checks_failed=[],
                    failed_messages=[], metrics={"accuracy": value}, metric=metric,
                    losses=losses if losses is not None else [1.0 - 0.5 * i / 100 for i in range(100)],
                    steps=steps, train_s=train_s, budget_s=14.0, hard_limit_s=20.0, memory_mb=2048)


def names(facts: RunFacts) -> dict[str, str]:
    return {d.name: d.kind for d in run_diagnoses(facts)}


def test_the_shapes_starter_story_stopped_early_with_the_numbers() -> None:
    found = run_diagnoses(_facts(value=0.548, train_s=0.2, steps=63, losses=[1.38 - 0.002 * i for i in range(63)]))
    early = next(d for d in found if d.name == "stopped_early")
    assert early.kind == "actionable"
    assert "0.2 s" in early.evidence and "63" in early.evidence and "14 s" in early.evidence


def test_flat_loss_is_essential_and_a_missing_step_is_named() -> None:
    flat = [1.386 + 0.001 * math.sin(i) for i in range(80)]
    assert names(_facts(losses=flat))["loss_flat"] == "essential"
    assert names(_facts(losses=flat, steps=0))["optimizer_not_stepping"] == "essential"


def test_nan_or_growing_loss_is_divergence() -> None:
    assert "loss_diverged" in names(_facts(losses=[1.0, 0.9, float("nan"), float("nan")] * 5))
    assert "loss_exploding" in names(_facts(losses=[1.0 + 0.5 * i for i in range(40)]))


def test_still_falling_at_the_end() -> None:
    steep = [2.0 - 0.012 * i for i in range(100)]
    assert names(_facts(losses=steep))["still_improving"] == "actionable"
    settled = [2.0 * 0.9**i + 0.3 for i in range(100)]
    assert "still_improving" not in names(_facts(losses=settled))


def test_chance_baseline_and_overfitting_read_the_metric() -> None:
    assert names(_facts(value=0.26))["at_chance"] == "essential"
    assert "at_chance" not in names(_facts(value=0.6))
    assert "below_baseline" in names(_facts(value=0.39))
    assert "below_baseline" not in names(_facts(value=0.6))
    assert "overfitting" in names(_facts(value=0.6, train_value=0.99))
    assert "overfitting" not in names(_facts(value=0.9, train_value=0.93))


def test_a_passing_run_gets_no_urgent_diagnosis_and_is_told_what_went_well() -> None:
    found = run_diagnoses(_facts(passed=True, value=0.99, train_s=5.0, losses=[1.0] * 50))
    assert {d.kind for d in found} <= {"informative", "celebratory"}
    assert {"passed_with_margin", "time_to_spare"} <= {d.name for d in found}


def test_lower_is_better_metrics_compare_the_right_way() -> None:
    metric = MetricFacts("mse_ratio", "test MSE / best-blur MSE", 0.95, 0.6, False, 1.0, "gaussian-blur", None, None)
    facts = RunFacts("failed", "predict", False, [], [], {"mse_ratio": 0.95}, metric,
                     [1.0 - 0.004 * i for i in range(100)], 100, 11.0, 14.0, 20.0, 2048)
    found = names(facts)
    assert "below_baseline" not in found  # 0.95 beats the blur's 1.0
    assert "close_to_pass" not in found
    worse = RunFacts("failed", "predict", False, [], [], {"mse_ratio": 1.2}, metric.__class__(
        "mse_ratio", "x", 1.2, 0.6, False, 1.0, "gaussian-blur", None, 0.5), facts.losses, 100, 11.0, 14.0, 20.0, 2048)
    assert {"below_baseline", "overfitting"} <= set(names(worse))
