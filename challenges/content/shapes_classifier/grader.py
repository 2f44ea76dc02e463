"""Trusted half of `shapes-classifier` (C5.1): data, hidden test split, checks and baseline.

Train 4000 / test 1000 centred noisy shapes (design §2.12); pass = accuracy >= 0.90, a Conv2d in
the model, <= 2 M parameters and a (3, 4+) output for a batch of 3. The linear-on-pixels baseline
(§2.3) is computed on the same hidden split and cached per challenge version.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from challenges import baselines
from challenges.base import Check, Evaluation, Payload, PredictionError, require_array
from challenges.datagen import DATA_VERSION, make_shapes
from challenges.grading import at_least, at_most, conclude, fact_bool, fact_int, fact_shape, load_spec

FOLDER = Path(__file__).parent
N_TRAIN = 4000
N_TEST = 1000
NUM_CLASSES = 4


class ShapesClassifierGrader:
    def training_data(self, seed: int) -> Payload:
        x, y = make_shapes(N_TRAIN, seed, centred=True)
        return {"x": x, "y": y, "seed": seed}

    def test_data(self, seed: int) -> tuple[Payload, Payload]:
        x, y = make_shapes(N_TEST, seed, centred=True)
        return {"x": x}, {"y": y, "baseline_accuracy": self.baseline(seed)}

    def baseline(self, test_seed: int) -> float:
        """Linear-on-pixels accuracy on this test split, trained on the challenge's training split."""
        spec = load_spec(FOLDER)
        assert spec.seeds is not None
        train_seed = spec.seeds.train
        key = f"linear-on-pixels/v{DATA_VERSION}/train={train_seed}/test={test_seed}"

        def compute() -> float:
            xtr, ytr = make_shapes(N_TRAIN, train_seed, centred=True)
            xte, yte = make_shapes(N_TEST, test_seed, centred=True)
            return baselines.linear_on_pixels(xtr, ytr, xte, yte, NUM_CLASSES)

        return baselines.cached(FOLDER, key, compute)

    def evaluate(
        self,
        predictions: Payload,
        labels: Payload,
        facts: Mapping[str, Any],
        thresholds: Mapping[str, Any],
    ) -> Evaluation:
        y = np.asarray(labels["y"])
        min_acc = float(thresholds.get("accuracy", 0.90))
        max_params = int(thresholds.get("max_params", 2_000_000))
        checks: list[Check] = []
        try:
            pred = require_array(predictions, "pred", (len(y),), kinds="iu")
            accuracy = float((pred == y).mean())
            checks.append(at_least("accuracy", accuracy, min_acc, "test accuracy"))
        except PredictionError as exc:
            accuracy = 0.0
            checks.append(Check("accuracy", False, f"no usable predictions: {exc}", None, min_acc))
        checks.append(
            Check(
                "has_conv2d",
                fact_bool(facts, "has_conv2d"),
                "the model contains nn.Conv2d"
                if fact_bool(facts, "has_conv2d")
                else "the model must contain at least one nn.Conv2d",
            )
        )
        params = fact_int(facts, "n_params")
        if params is None:
            checks.append(Check("max_params", False, "parameter count unavailable", None, max_params))
        else:
            checks.append(at_most("max_params", params, max_params, "parameters"))
        shape = fact_shape(facts, "probe_shape")
        shape_ok = shape is not None and len(shape) == 2 and shape[0] == 3 and shape[1] >= NUM_CLASSES
        error = facts.get("probe_error")
        checks.append(
            Check(
                "output_shape",
                shape_ok,
                f"output for a batch of 3 has shape {shape}"
                + ("" if shape_ok else f", expected [3, 4] or wider{f' ({error})' if isinstance(error, str) else ''}"),
                str(shape),
                "[3, 4+]",
            )
        )
        baseline = float(labels.get("baseline_accuracy", float("nan")))
        metrics = {
            "accuracy": accuracy,
            "baseline_accuracy": baseline,
            "n_params": float(params or 0),
        }
        spec = load_spec(FOLDER)
        return conclude(checks, metrics, score=accuracy, primary=accuracy, tiers=spec.tiers)


GRADER = ShapesClassifierGrader()
