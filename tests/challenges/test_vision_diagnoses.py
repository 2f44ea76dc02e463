"""The declared diagnoses of C5.1b and C5.3 on the figures their measured runs produce
(calibration.md): each fires on the mistake it names, and not on the reference's run."""

from __future__ import annotations

from challenges.catalogue import load_catalogue
from challenges.feedback.declared import declared_diagnoses
from challenges.feedback.facts import MetricFacts, RunFacts


def _names(challenge_id: str, metric: MetricFacts, passed: bool, **metrics: float) -> list[str]:
    challenge = load_catalogue().get(challenge_id)
    assert challenge is not None
    facts = RunFacts("passed" if passed else "failed", None, passed, [], [], {metric.name: metric.value, **metrics},
                     metric, [1.0, 0.5] * 10, 200, 11.2, 14.0)
    return [d.name for d in declared_diagnoses(list(challenge.spec.diagnoses), facts)]


def _edges(f1: float, recall: float, share: float, passed: bool = False) -> list[str]:
    metric = MetricFacts("edge_f1", "edge F1", f1, 0.85, True, 0.66, "sobel-oracle", 0.0, f1)
    return _names("edge-detection", metric, passed, baseline_edge_f1=0.66, edge_recall=recall,
                  edge_precision=0.99, predicted_edge_share=share, true_edge_share=0.097)


def test_mse_collapse_and_sobel_level_runs_are_named() -> None:
    assert _edges(0.453, 0.293, 0.025) == ["predicts_no_edges"]  # the MSE case, measured
    assert _edges(0.0, 0.0, 0.0) == ["predicts_no_edges"]  # nothing at all
    assert _edges(0.66, 0.7, 0.12) == ["no_better_than_sobel"]
    assert _edges(0.80, 0.8, 0.10) == []  # better than Sobel and predicting edges: no named mistake
    assert _edges(0.97, 0.976, 0.114, passed=True) == []  # the reference


def _shapes(accuracy: float, train_accuracy: float, passed: bool = False) -> list[str]:
    metric = MetricFacts("accuracy", "test accuracy", accuracy, 0.95, True, 0.47, "linear-on-pixels", 0.25,
                         train_accuracy)
    return _names("shapes-classifier-offcentre", metric, passed, baseline_accuracy=0.47)


def test_a_position_bound_head_is_named_and_an_undertrained_one_is_not() -> None:
    assert _shapes(0.572, 0.688) == ["memorises_positions"]  # conv -> flatten -> linear, measured
    assert _shapes(0.35, 0.33) == []  # too few steps: no gap, nothing learned to memorise
    assert _shapes(0.998, 1.0, passed=True) == []  # the reference
