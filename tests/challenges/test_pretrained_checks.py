"""The anti-cheat checks against a shipped pretrained network (competency 9), on real weights:
the shipped state_dict, copies of it changed the ways learners change it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from challenges.checks import CHECKS, WEIGHT_PREFIX, RunEvidence
from challenges.pretrained import pretrained_state
from challenges.verdict import OBSERVED, TRUSTED


def _evidence(weights: dict[str, np.ndarray] | None = None, **facts: Any) -> RunEvidence:
    state = pretrained_state() if weights is None else weights
    return RunEvidence(facts, {WEIGHT_PREFIX + k: v for k, v in state.items()}, {}, {}, pretrained_state())


def _run(use: str, ev: RunEvidence, **params: Any) -> Any:
    return CHECKS[use].run(use, params, ev)


def test_an_untouched_backbone_is_frozen_whatever_the_head() -> None:
    state = pretrained_state()
    state["fc.weight"] = np.zeros((4, 64), dtype=np.float32)
    check = _run("frozen_backbone", _evidence(state), prefix="features")
    assert check.passed and check.value == 0.0 and check.evidence == TRUSTED


def test_drifting_batchnorm_statistics_are_reported_precisely() -> None:
    state = pretrained_state()
    state["features.5.running_mean"] = state["features.5.running_mean"] * 1.1
    state["features.5.num_batches_tracked"] = np.asarray(state["features.5.num_batches_tracked"] + 7)
    check = _run("frozen_backbone", _evidence(state), prefix="features")
    assert not check.passed
    assert "features.5.running_mean" in check.message and "after 7 training-mode batches" in check.message
    assert check.value == pytest.approx(0.1, rel=1e-4)
    assert "gradients reached" not in check.message


def test_changed_weights_say_gradients_reached_the_backbone() -> None:
    state = pretrained_state()
    state["features.0.weight"] = state["features.0.weight"] + np.float32(1e-6)
    check = _run("frozen_backbone", _evidence(state), prefix="features")
    assert not check.passed and "features.0.weight" in check.message and check.value == 0.0


def test_a_missing_or_reshaped_backbone_fails() -> None:
    state = pretrained_state()
    del state["features.4.weight"]
    assert "missing" in _run("frozen_backbone", _evidence(state), prefix="features").message
    state = pretrained_state()
    state["features.4.weight"] = np.zeros((8, 16, 3, 3), dtype=np.float32)
    assert not _run("backbone_drift", _evidence(state), prefix="features", below=0.5).passed
    no_reference = RunEvidence({}, {}, {}, {})
    assert not _run("frozen_backbone", no_reference, prefix="features").passed


def test_drift_is_the_mean_relative_change_of_the_weight_tensors() -> None:
    state = pretrained_state()
    keys = [k for k in state if k.startswith("features.") and k.endswith(".weight")]
    for key in keys:
        state[key] = state[key] * np.float32(1.3)
    state["features.1.running_var"] = state["features.1.running_var"] * 5  # buffers do not count
    check = _run("backbone_drift", _evidence(state), prefix="features", below=0.5)
    assert check.passed and check.value == pytest.approx(0.3, rel=1e-5) and len(keys) == 6
    assert not _run("backbone_drift", _evidence(state), prefix="features", below=0.25).passed


def test_only_the_head_may_require_grad() -> None:
    ok = _run("trainable_only", _evidence(trainable_names=["fc.weight", "fc.bias"]), prefix="fc")
    assert ok.passed and ok.evidence == OBSERVED
    leaky = _run("trainable_only", _evidence(trainable_names=["features.0.weight", "fc.weight"]), prefix="fc")
    assert not leaky.passed and "features.0.weight" in leaky.message
    assert not _run("trainable_only", _evidence(trainable_names=[]), prefix="fc").passed
    assert not _run("trainable_only", _evidence(), prefix="fc").passed


def _groups(*pairs: tuple[float, list[str]]) -> list[dict[str, Any]]:
    return [{"lr": lr, "params": names} for lr, names in pairs]


def test_the_lr_ratio_compares_the_backbone_groups_with_the_head() -> None:
    def ratio(groups: list[dict[str, Any]]) -> Any:
        return _run("lr_ratio", _evidence(optimizer_groups=groups), at_most=0.2, backbone="features", head="fc")

    good = ratio(_groups((1e-3, ["features.0.weight"]), (1e-2, ["fc.weight", "fc.bias"])))
    assert good.passed and good.value == pytest.approx(0.1) and good.evidence == OBSERVED
    one_lr = ratio(_groups((1e-3, ["features.0.weight", "fc.weight"])))
    assert not one_lr.passed and one_lr.value == pytest.approx(1.0)
    split_backbone = ratio(_groups((1e-4, ["features.0.weight"]), (5e-3, ["features.4.weight"]), (1e-2, ["fc.weight"])))
    assert not split_backbone.passed and split_backbone.value == pytest.approx(0.5)
    assert "no param group holds" in ratio(_groups((1e-2, ["fc.weight"]))).message
    assert not ratio(_groups((0.0, ["features.0.weight"]), (1e-2, ["fc.weight"]))).passed
    assert not _run("lr_ratio", _evidence(), at_most=0.2).passed


def test_the_new_checks_feed_their_figures_to_the_diagnoses() -> None:
    assert CHECKS["frozen_backbone"].reports_metric and CHECKS["backbone_drift"].reports_metric
    assert CHECKS["lr_ratio"].reports_metric and not CHECKS["trainable_only"].reports_metric


def test_a_zero_dimensional_buffer_back_from_the_channel_still_compares() -> None:
    state = pretrained_state()
    state = {k: v.reshape(1) if v.ndim == 0 else v for k, v in state.items()}  # how the channel returns it
    assert _run("frozen_backbone", _evidence(state), prefix="features").passed
