"""The trained kind's trusted side, driven with synthetic messages: no sandbox, no training.

Every trained challenge in the catalogue is exercised (no id lists): predictions that are the
hidden labels pass the metric, constant ones fail it, and malformed ones fail with a message;
repeated or out-of-order messages are protocol errors; the test split is drawn fresh per run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from challenges.catalogue import Challenge, load_catalogue
from challenges.errors import ExchangeError
from challenges.kinds.base import Message, RunRecord, Submission
from challenges.kinds.trained import TrainedExchange

TRAINED = [c for c in load_catalogue() if c.spec.kind == "trained"]
IDS = [c.id for c in TRAINED]


def _exchange(challenge: Challenge, seed: int | None = 7) -> TrainedExchange:
    exchange = challenge.kind.exchange(challenge, Submission({"s.py": "x = 1\n"}), seed=seed)
    assert isinstance(exchange, TrainedExchange)
    return exchange


def _facts() -> dict[str, Any]:
    return {"module_types": ["Conv2d", "LSTM"], "bidirectional_rnn": True, "parameter_names": ["w"],
            "w:w": np.zeros(10, dtype=np.float32), "_losses": np.asarray([1.0, 0.5], dtype=np.float32), "_steps": 2}


def _oracle(exchange: TrainedExchange) -> np.ndarray:
    """Predictions equal to the hidden labels, in the order the inputs were sent."""
    config = exchange.config
    label = np.asarray(exchange.labels[config.metric.label])
    if "perm" in exchange.labels:  # the inputs were mixed with shuffled copies
        both = np.concatenate([label, exchange.labels["Y_future"]])
        out = np.empty_like(both)
        out[np.arange(len(both))] = both[exchange.labels["perm"]]
        return out
    return label.astype(np.float32) if config.metric.name == "mse_ratio" else label


def _predictions(exchange: TrainedExchange, inputs: dict[str, Any], pred: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"pred": pred, "bidirectional_ran": True}
    for key, probe in inputs.items():
        if key.startswith("probe:"):
            out[key] = np.zeros((probe.shape[0], 4), dtype=np.float32)
    return out


def _run(exchange: TrainedExchange, pred_of: Any) -> Any:
    [train] = exchange.opening()
    assert train.kind == "train_data"
    shipped = {k for k in train.payload if k.startswith("_pretrained:")}  # a pretrained model's weights too
    assert set(train.payload) - {"_calls"} - shipped == set(exchange.config.train.arrays)  # unit calls ride along
    assert bool(shipped) == bool(exchange.config.build.pretrained)
    assert ("_calls" in train.payload) == (exchange.config.units is not None)
    [test] = exchange.receive(Message("facts", _facts()))
    assert test.kind == "test_inputs"
    assert exchange.config.metric.label not in test.payload or exchange.config.metric.label == exchange.config.predict.input
    exchange.receive(Message("predictions", _predictions(exchange, test.payload, pred_of(exchange))))
    assert exchange.finished
    return exchange.evaluate(RunRecord())


@pytest.mark.parametrize("challenge", TRAINED, ids=IDS)
def test_labels_pass_the_metric_and_constants_fail(challenge: Challenge) -> None:
    metric = challenge.config.metric.name
    good = _run(_exchange(challenge), _oracle)
    assert next(c for c in good.checks if c.name == metric).passed, good.checks
    bad = _run(_exchange(challenge), lambda ex: np.zeros_like(_oracle(ex)))
    assert not next(c for c in bad.checks if c.name == metric).passed
    assert all(np.isfinite(v) for v in good.metrics.values()) and all(np.isfinite(v) for v in bad.metrics.values())


@pytest.mark.parametrize("challenge", TRAINED, ids=IDS)
@pytest.mark.parametrize("make", [
    lambda ex: None,
    lambda ex: _oracle(ex)[:-1],
    lambda ex: np.full(_oracle(ex).shape, np.nan),
    lambda ex: _oracle(ex)[..., None],
], ids=["missing", "short", "nan", "extra-axis"])
def test_malformed_predictions_fail_with_a_message(challenge: Challenge, make: Any) -> None:
    ev = _run(_exchange(challenge), make)
    check = next(c for c in ev.checks if c.name == challenge.config.metric.name)
    assert not check.passed and "no usable predictions" in check.message and not ev.passed


@pytest.mark.parametrize("challenge", TRAINED, ids=IDS)
def test_repeated_and_early_messages_are_protocol_errors(challenge: Challenge) -> None:
    exchange = _exchange(challenge)
    with pytest.raises(ExchangeError):
        exchange.receive(Message("predictions", {}))
    exchange.receive(Message("facts", _facts()))
    with pytest.raises(ExchangeError):
        exchange.receive(Message("facts", _facts()))
    with pytest.raises(ExchangeError):
        exchange.receive(Message("something", {}))


@pytest.mark.parametrize("challenge", TRAINED, ids=IDS)
def test_test_split_is_drawn_per_run_and_never_sent_with_labels(challenge: Challenge) -> None:
    a, b = _exchange(challenge, seed=None), _exchange(challenge, seed=None)
    assert (a.test_seed != b.test_seed and a.test_seed.bit_length() > 32) or b.test_seed.bit_length() > 32
    assert a.run_seed != a.test_seed
    [ta] = a.receive(Message("facts", _facts()))
    [tb] = b.receive(Message("facts", _facts()))
    key = challenge.config.predict.input
    assert not np.array_equal(ta.payload[key], tb.payload[key])


def test_sandbox_observed_checks_never_pass_alone() -> None:
    from challenges.verdict import OBSERVED, Check, Evaluation

    only_observed = Evaluation([Check("has_conv2d", True, "seen", evidence=OBSERVED)])
    assert not only_observed.passed
