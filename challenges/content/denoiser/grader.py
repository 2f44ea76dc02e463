"""Trusted half of `denoiser` (C7.1): data, hidden test split, the blur baseline and checks.

Clean off-centre shapes and noisy copies (σ = 0.3, separate generator); train 3000 pairs, test 500
(design §3, competency 7). Pass = test MSE <= 0.6 x the MSE of the best Gaussian blur, computed on
the same hidden split (§2.3): "halve the noisy MSE" is passed by a 3x3 blur, so the comparison is
always against the blur. The verdict carries a picture of a few reconstructions.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from challenges import baselines
from challenges.base import Check, Evaluation, Payload, PredictionError, require_array
from challenges.datagen import make_denoise_pairs
from challenges.grading import at_most, conclude, fact_shape, image_grid_png, load_spec

FOLDER = Path(__file__).parent
N_TRAIN = 3000
N_TEST = 500
SIZE = 28
PICTURE_COLUMNS = 6


class DenoiserGrader:
    def training_data(self, seed: int) -> Payload:
        noisy, clean = make_denoise_pairs(N_TRAIN, seed)
        return {"noisy": noisy, "clean": clean, "seed": seed}

    def test_data(self, seed: int) -> tuple[Payload, Payload]:
        noisy, clean = make_denoise_pairs(N_TEST, seed)
        blur_mse, blur_sigma = baselines.best_gaussian_blur(noisy, clean)
        labels: Payload = {
            "clean": clean,
            "noisy": noisy,
            "blur_mse": blur_mse,
            "blur_sigma": blur_sigma,
        }
        return {"noisy": noisy}, labels

    def evaluate(
        self,
        predictions: Payload,
        labels: Payload,
        facts: Mapping[str, Any],
        thresholds: Mapping[str, Any],
    ) -> Evaluation:
        clean = np.asarray(labels["clean"], dtype=np.float64)
        noisy = np.asarray(labels["noisy"], dtype=np.float64)
        blur_mse = float(labels["blur_mse"])
        noisy_mse = float(((noisy - clean) ** 2).mean())
        max_ratio = float(thresholds.get("mse_ratio", 0.6))
        checks: list[Check] = []
        pictures: dict[str, bytes] = {}
        try:
            denoised = require_array(predictions, "denoised", (len(clean), 1, SIZE, SIZE), kinds="f")
            mse = float(((denoised.astype(np.float64) - clean) ** 2).mean())
            ratio = mse / blur_mse
            checks.append(at_most("mse_ratio", ratio, max_ratio, "test MSE / best-blur MSE"))
            pictures["reconstructions"] = image_grid_png(
                [
                    ("noisy", noisy[:PICTURE_COLUMNS]),
                    ("yours", denoised[:PICTURE_COLUMNS]),
                    ("clean", clean[:PICTURE_COLUMNS]),
                ],
                columns=PICTURE_COLUMNS,
            )
        except PredictionError as exc:
            mse, ratio = float("nan"), float("inf")
            checks.append(Check("mse_ratio", False, f"no usable denoised images: {exc}", None, max_ratio))
        shape = fact_shape(facts, "probe_shape")
        shape_ok = shape == [3, 1, SIZE, SIZE]
        error = facts.get("probe_error")
        checks.append(
            Check(
                "output_shape",
                shape_ok,
                f"denoise() on a batch of 3 returned shape {shape}"
                + ("" if shape_ok else f", expected [3, 1, 28, 28]{f' ({error})' if isinstance(error, str) else ''}"),
                str(shape),
                "[3, 1, 28, 28]",
            )
        )
        metrics = {
            "mse_ratio": ratio,
            "mse": mse,
            "noisy_mse": noisy_mse,
            "blur_mse": blur_mse,
            "blur_sigma": float(labels["blur_sigma"]),
            "blur_mse_ratio_vs_noisy": blur_mse / noisy_mse,
            "mse_ratio_vs_noisy": mse / noisy_mse,
        }
        spec = load_spec(FOLDER)
        return conclude(checks, metrics, score=1.0 - ratio, primary=ratio, tiers=spec.tiers, pictures=pictures)


GRADER = DenoiserGrader()
