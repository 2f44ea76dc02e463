"""The trained kind's additions for C7.2/C7.3, driven with synthetic messages and real small
models: a hidden split laid out by ``test_params``, a metric's parts as verdict lines
(``[[metric.criteria]]``), codec probes that ride in the contract and run encode/decode in the
sandbox side, and unit calls that reach the challenge's own scenarios."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from challenges.catalogue import load_catalogue
from challenges.kinds import trained_inside
from challenges.kinds.base import Message, RunRecord, Submission
from challenges.kinds.trained import TrainedExchange

CATALOGUE = load_catalogue()


def _exchange(challenge_id: str, seed: int = 3) -> TrainedExchange:
    challenge = CATALOGUE.get(challenge_id)
    assert challenge is not None
    exchange = challenge.kind.exchange(challenge, Submission({"s.py": "x = 1\n"}), seed=seed)
    assert isinstance(exchange, TrainedExchange)
    return exchange


def _facts() -> dict[str, Any]:
    return {"module_types": ["Conv2d"], "parameter_names": ["w"], "w:w": np.zeros(4, dtype=np.float32),
            "_losses": np.asarray([0.1], dtype=np.float32), "_steps": 1}


def _graded(exchange: TrainedExchange, pred_of: Any) -> Any:
    exchange.opening()
    [test] = exchange.receive(Message("facts", _facts()))
    exchange.receive(Message("predictions", {"pred": pred_of(exchange, test.payload)}))
    return exchange.evaluate(RunRecord())


def test_the_hidden_split_is_laid_out_in_levels_and_the_training_split_is_not() -> None:
    exchange = _exchange("blind-dae")
    [train] = exchange.opening()
    exchange.receive(Message("facts", _facts()))
    assert exchange.test["sigma"][:4].tolist() == [0.0, np.float32(0.1), np.float32(0.3), np.float32(0.5)]
    assert "sigma" not in train.payload  # the learner is not told the levels


def test_each_criterion_is_its_own_verdict_line() -> None:
    names = {"psnr_gain", "gain_sigma_0_1", "gain_sigma_0_3", "gain_sigma_0_5", "psnr_clean"}
    perfect = _graded(_exchange("blind-dae"), lambda ex, _: ex.labels["clean"])
    assert names <= {c.name for c in perfect.checks if c.passed}
    assert {"blur_psnr_clean", "baseline_psnr_gain", "gain_sigma_0_3"} <= set(perfect.metrics)
    identity = _graded(_exchange("blind-dae"), lambda ex, inputs: inputs["noisy"])
    failed = {c.name for c in identity.checks if not c.passed}
    assert failed - {"output_shape"} == {"psnr_gain", "gain_sigma_0_1", "gain_sigma_0_3", "gain_sigma_0_5"}
    line = next(c for c in identity.checks if c.name == "gain_sigma_0_5")
    assert "sigma 0.5" in line.message and line.threshold == 6.0
    missing = _graded(_exchange("blind-dae"), lambda ex, _: None)
    assert all(not c.passed for c in missing.checks if c.name in names)


def test_codec_probes_and_the_scenario_module_ride_in_the_plan() -> None:
    exchange = _exchange("bottleneck-dae")
    params = exchange.plan.params
    assert params["inside"] == "challenges.content.bottleneck_dae.inside"
    assert set(params["contract"]["probe_runs"]) == {"probe:code_size", "probe:decode_encode"}
    [train] = exchange.opening()
    assert train.payload["_calls"][0]["scenario"] == "corrupt_trials"
    [test] = exchange.receive(Message("facts", _facts()))
    assert test.payload["probe:code_size:a"].shape == (5, 1, 28, 28)
    assert test.payload["probe:code_size:b"].shape == (3, 1, 28, 28)
    assert "inside" not in _exchange("denoiser").plan.params  # no units, no scenarios


class _Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc, self.dec = nn.Conv2d(1, 4, 4, stride=4), nn.ConvTranspose2d(4, 1, 4, stride=4)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.dec(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def test_the_sandbox_side_runs_codec_probes_and_plain_probes_apart() -> None:
    exchange = _exchange("bottleneck-dae")
    exchange.opening()
    [test] = exchange.receive(Message("facts", _facts()))
    learner = trained_inside.kit.load_learner_module("def denoise(model, noisy):\n    return model(noisy)\n", "l.py")
    contract = exchange.plan.params["contract"]
    out = trained_inside.predict_phase(learner, _Tiny(), test.payload, contract)
    assert out["probe:code_size:code"].shape == (5, 4, 7, 7)
    assert out["probe:output_shape"].shape == (3, 1, 28, 28)
    assert "probe:code_size:a" not in out  # a codec probe is not also run as a plain prediction
    exchange.receive(Message("predictions", out))
    checks = {c.name: c for c in exchange.evaluate(RunRecord()).checks}
    assert checks["code_size"].passed and checks["decode_encode"].passed and checks["output_shape"].passed
