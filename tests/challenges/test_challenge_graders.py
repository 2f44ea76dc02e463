"""Graders on synthetic predictions: perfect passes, constant fails, bad payloads fail clearly.

No learner code or training runs here; test splits come from each challenge's own test seed, so the
trained baselines come from the committed cache.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from challenges.base import Evaluation, Payload, TrustedGrader
from challenges.catalogue import load_catalogue


def _setup(challenge_id: str) -> tuple[TrustedGrader, Payload, Payload, dict[str, float]]:
    challenge = load_catalogue().get(challenge_id)
    assert challenge is not None and challenge.spec.seeds is not None
    grader = challenge.grader()
    inputs, labels = grader.test_data(challenge.spec.seeds.test)
    return grader, inputs, labels, dict(challenge.spec.thresholds)


def _failed(ev: Evaluation) -> dict[str, str]:
    return {c.name: c.message for c in ev.checks if not c.passed}


# --- shapes-classifier -------------------------------------------------------------------------

SHAPES_FACTS: dict[str, Any] = {"n_params": 105_476, "has_conv2d": True, "probe_shape": [3, 4]}


def test_shapes_perfect_passes_gold() -> None:
    grader, _, labels, thresholds = _setup("shapes-classifier")
    ev = grader.evaluate({"pred": labels["y"].copy()}, labels, SHAPES_FACTS, thresholds)
    assert ev.passed and ev.tier == "gold" and ev.score == 1.0
    assert ev.metrics["accuracy"] == 1.0 and 0.0 < ev.metrics["baseline_accuracy"] < 1.0


def test_shapes_constant_fails() -> None:
    grader, _, labels, thresholds = _setup("shapes-classifier")
    ev = grader.evaluate({"pred": np.zeros_like(labels["y"])}, labels, SHAPES_FACTS, thresholds)
    assert not ev.passed and ev.tier is None
    assert set(_failed(ev)) == {"accuracy"}


@pytest.mark.parametrize(
    ("pred", "fragment"),
    [
        (np.zeros((1000, 4), dtype=np.int64), "shape (1000, 4), expected (1000,)"),
        (np.zeros(999, dtype=np.int64), "shape (999,)"),
        (np.full(1000, np.nan), "dtype float64"),
        (None, "returned no `pred` array"),
    ],
)
def test_shapes_bad_predictions_fail_with_message(pred: np.ndarray | None, fragment: str) -> None:
    grader, _, labels, thresholds = _setup("shapes-classifier")
    predictions = {} if pred is None else {"pred": pred}
    ev = grader.evaluate(predictions, labels, SHAPES_FACTS, thresholds)
    assert not ev.passed
    assert fragment in _failed(ev)["accuracy"]


def test_shapes_facts_are_checked_and_type_checked() -> None:
    grader, _, labels, thresholds = _setup("shapes-classifier")
    perfect = {"pred": labels["y"].copy()}
    bad_facts = {"n_params": 3_000_000, "has_conv2d": "yes", "probe_shape": [3, 2]}
    failed = _failed(grader.evaluate(perfect, labels, bad_facts, thresholds))
    assert set(failed) == {"has_conv2d", "max_params", "output_shape"}
    assert "nn.Conv2d" in failed["has_conv2d"]
    assert set(_failed(grader.evaluate(perfect, labels, {}, thresholds))) == {
        "has_conv2d",
        "max_params",
        "output_shape",
    }


# --- denoiser ----------------------------------------------------------------------------------

DENOISER_FACTS: dict[str, Any] = {"n_params": 50_000, "probe_shape": [3, 1, 28, 28]}


def test_denoiser_perfect_passes_with_picture() -> None:
    grader, _, labels, thresholds = _setup("denoiser")
    ev = grader.evaluate({"denoised": labels["clean"].copy()}, labels, DENOISER_FACTS, thresholds)
    assert ev.passed and ev.tier == "gold"
    assert ev.metrics["mse_ratio"] == 0.0
    assert 0.2 < ev.metrics["blur_mse_ratio_vs_noisy"] < 0.4  # design: best blur ~0.30x noisy
    assert ev.pictures["reconstructions"].startswith(b"\x89PNG")


def test_denoiser_identity_and_blur_fail() -> None:
    from challenges.baselines import gaussian_blur

    grader, inputs, labels, thresholds = _setup("denoiser")
    ev = grader.evaluate({"denoised": inputs["noisy"].copy()}, labels, DENOISER_FACTS, thresholds)
    assert not ev.passed and ev.metrics["mse_ratio"] > 2.0
    blurred = gaussian_blur(inputs["noisy"], float(labels["blur_sigma"])).astype(np.float32)
    ev = grader.evaluate({"denoised": blurred}, labels, DENOISER_FACTS, thresholds)
    assert not ev.passed and ev.metrics["mse_ratio"] == pytest.approx(1.0, abs=1e-4)


def test_denoiser_constant_fails() -> None:
    grader, _, labels, thresholds = _setup("denoiser")
    flat = np.full_like(labels["clean"], 0.3)
    assert not grader.evaluate({"denoised": flat}, labels, DENOISER_FACTS, thresholds).passed


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda c: c[:, 0], "expected (500, 1, 28, 28)"),
        (lambda c: np.where(c > 0.5, np.nan, c), "NaN or infinity"),
        (lambda c: (c * 255).astype(np.uint8), "dtype uint8"),
    ],
)
def test_denoiser_bad_predictions_fail_with_message(make: Any, fragment: str) -> None:
    grader, _, labels, thresholds = _setup("denoiser")
    ev = grader.evaluate({"denoised": make(labels["clean"])}, labels, DENOISER_FACTS, thresholds)
    assert not ev.passed and fragment in _failed(ev)["mse_ratio"]
    assert ev.metrics["mse_ratio"] == 0.0  # non-finite metrics are stored as 0, never NaN/inf


# --- bilstm-future-context ---------------------------------------------------------------------

BILSTM_FACTS: dict[str, Any] = {
    "bidirectional": True,
    "bidirectional_ran": True,
    "probe_shape": [3, 20],
}


def _true_tags(inputs: Payload) -> np.ndarray:
    from challenges.datagen import tagging_labels

    return tagging_labels(inputs["X"])


def test_bilstm_perfect_passes() -> None:
    grader, inputs, labels, thresholds = _setup("bilstm-future-context")
    ev = grader.evaluate({"tags": _true_tags(inputs)}, labels, BILSTM_FACTS, thresholds)
    assert ev.passed and ev.tier == "gold"
    assert ev.metrics["accuracy"] == 1.0 and ev.metrics["future_agreement"] == 1.0
    assert 0.5 < ev.metrics["baseline_accuracy"] < 0.6  # the causal ceiling, ~0.55


def test_bilstm_constant_fails() -> None:
    grader, inputs, labels, thresholds = _setup("bilstm-future-context")
    ev = grader.evaluate({"tags": np.zeros_like(inputs["X"])}, labels, BILSTM_FACTS, thresholds)
    assert not ev.passed and "accuracy" in _failed(ev)


def test_bilstm_future_dependent_predictions_fail_agreement() -> None:
    grader, inputs, labels, thresholds = _setup("bilstm-future-context")
    tags = _true_tags(inputs)
    n = len(labels["Y"])
    # correct on the original rows, noise on the redrawn copies
    copies = np.zeros(2 * n, dtype=bool)
    copies[np.argsort(labels["perm"])[n:]] = True
    rng = np.random.default_rng(0)
    tags[copies] = rng.integers(0, 2, size=tags[copies].shape)
    failed = _failed(grader.evaluate({"tags": tags}, labels, BILSTM_FACTS, thresholds))
    assert set(failed) == {"future_agreement"}


def test_bilstm_requires_a_bidirectional_rnn_that_runs() -> None:
    grader, inputs, labels, thresholds = _setup("bilstm-future-context")
    perfect = {"tags": _true_tags(inputs)}
    for facts, fragment in [
        ({**BILSTM_FACTS, "bidirectional": False}, "no nn.LSTM"),
        ({**BILSTM_FACTS, "bidirectional_ran": False}, "never ran"),
        ({**BILSTM_FACTS, "bidirectional": 1}, "no nn.LSTM"),
    ]:
        failed = _failed(grader.evaluate(perfect, labels, facts, thresholds))
        assert set(failed) == {"bidirectional"} and fragment in failed["bidirectional"]


def test_bilstm_logits_instead_of_tags_fail_with_message() -> None:
    grader, inputs, labels, thresholds = _setup("bilstm-future-context")
    logits = np.zeros((*inputs["X"].shape, 2), dtype=np.float32)
    failed = _failed(grader.evaluate({"tags": logits}, labels, BILSTM_FACTS, thresholds))
    assert "expected (2000, 20)" in failed["accuracy"]


def test_evaluation_metrics_are_finite_everywhere() -> None:
    for challenge_id in ("shapes-classifier", "denoiser", "bilstm-future-context"):
        grader, _, labels, thresholds = _setup(challenge_id)
        ev = grader.evaluate({}, labels, {}, thresholds)
        assert not ev.passed and ev.tier is None
        assert all(np.isfinite(v) for v in ev.metrics.values())
        assert 0.0 <= ev.score <= 1.0
