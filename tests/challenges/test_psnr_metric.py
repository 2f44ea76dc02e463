"""``psnr_gain`` (C7.3): per-level gains and the clean-input PSNR from one prediction, the
headline is the worst level, criteria validate against the metric's parts, and the blind blur
baseline reports the same figures for one blur applied to every row."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from challenges.baselines import BASELINES, gaussian_blur
from challenges.datagen.blind import make_blind_denoise
from challenges.kinds.trained import MetricConfig
from challenges.metrics import METRICS, PSNR_CAP_DB, psnr_db

PARAMS = {"input": "noisy", "label": "clean", "group": "sigma", "levels": [0.1, 0.3, 0.5], "clean_level": 0.0}


def _test_split() -> dict[str, np.ndarray]:
    return make_blind_denoise(200, 11, levels=[0.0, 0.1, 0.3, 0.5])


def test_psnr_is_capped_and_matches_its_definition() -> None:
    a = np.zeros((2, 1, 4, 4), dtype=np.float32)
    assert psnr_db(a, a) == PSNR_CAP_DB
    assert psnr_db(a + 0.1, a) == pytest.approx(20.0)
    assert np.isnan(psnr_db(np.full_like(a, np.nan), a))


def test_parts_per_level_and_the_worst_gain() -> None:
    metric = METRICS["psnr_gain"]
    assert metric.parts is not None and metric.part_names is not None
    test = _test_split()
    identity = metric.parts(test["noisy"], test, {}, PARAMS)
    assert set(identity) == set(metric.part_names(PARAMS))
    assert all(identity[f"gain_sigma_{k}"] == pytest.approx(0.0) for k in ("0_1", "0_3", "0_5"))
    assert identity["psnr_clean"] == PSNR_CAP_DB  # clean rows are passed through untouched
    perfect = metric.parts(test["clean"], test, {}, PARAMS)
    assert min(perfect.values()) > 15 and metric.fn(test["clean"], test["clean"], perfect, PARAMS) == min(
        v for k, v in perfect.items() if k.startswith("gain"))
    with pytest.raises(ValueError, match=r"0\.7"):
        metric.parts(test["noisy"], test, {}, {**PARAMS, "levels": [0.7]})


def test_criteria_name_parts_of_the_metric() -> None:
    ok = MetricConfig(name="psnr_gain", label="clean", at_least=4.0, params=PARAMS,
                      criteria=[{"part": "psnr_clean", "at_least": 28.0}, {"part": "gain_sigma_0_5", "at_least": 4.0}])
    assert ok.part_names()[-1] == "psnr_clean"
    with pytest.raises(ValidationError, match="unknown: gain_sigma_0_2"):
        MetricConfig(name="psnr_gain", label="clean", at_least=4.0, params=PARAMS,
                     criteria=[{"part": "gain_sigma_0_2", "at_least": 4.0}])
    with pytest.raises(ValidationError, match="has none"):
        MetricConfig(name="mse_ratio", label="clean", at_most=0.6, criteria=[{"part": "x", "at_most": 1.0}])
    with pytest.raises(ValidationError, match="exactly one"):
        MetricConfig(name="psnr_gain", label="clean", at_least=4.0, params=PARAMS, criteria=[{"part": "psnr_clean"}])


def test_blind_blur_is_one_sigma_for_every_row_and_scored_like_the_learner() -> None:
    test = _test_split()
    figures = BASELINES["best-gaussian-blur"].score(None, test, PARAMS)
    sigma = figures["blur_sigma"]
    blurred = gaussian_blur(test["noisy"], sigma)
    parts = METRICS["psnr_gain"].parts(blurred, test, {}, PARAMS)  # type: ignore[misc]
    assert figures["blur_psnr_clean"] == pytest.approx(parts["psnr_clean"])
    assert figures["baseline_psnr_gain"] == pytest.approx(min(parts[k] for k in parts if k.startswith("gain")))
    assert figures["blur_psnr_clean"] < 28.0 < PSNR_CAP_DB  # a blur blurs clean images too
    plain = BASELINES["best-gaussian-blur"].score(None, test, {"input": "noisy", "label": "clean"})
    assert "baseline_psnr_gain" not in plain and plain["blur_mse"] > 0
