"""The ``recurrent`` check (C6.1, C6.4) and the facts behind it: torch's recurrent layers (or
cells) count when the prediction runs them; with ``stepwise`` a hand-written RNN counts when the
prediction steps its forward(input, hidden); a decoy layer that never runs and order-blind
models do not. Also the texts path with ``builds`` (build_model, then train in place)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import torch
from torch import nn

from challenges.checks import CHECKS, RunEvidence
from challenges.kinds import trained_inside as inside

CONTRACT = {"train": {"gives": "texts", "builds": True, "function": "train", "arrays": ["word", "y"]},
            "predict": {"via": "function", "function": "predict", "input": "word", "output": "raw", "batch_size": 2},
            "build": {"function": "build_model", "args": [2]}}

LEARNER = '''
import torch
from torch import nn

class StepRNN(nn.Module):  # the PyTorch tutorial's shape: two Linear layers and forward(input, hidden)
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.n_hidden = n_hidden
        self.i2h = nn.Linear(n_in + n_hidden, n_hidden)
        self.i2o = nn.Linear(n_in + n_hidden, n_out)

    def forward(self, input, hidden):
        both = torch.cat((input, hidden), 1)
        return self.i2o(both), torch.tanh(self.i2h(both))

def one_hot(word):
    return torch.eye(26)[[ord(c) - 97 for c in word.lower()]]

def build_model(num_classes):
    return StepRNN(26, 8, num_classes)

def train(model, words, labels, time_budget_s):
    model.trained_on = len(words)

def predict(model, words):
    out = []
    for word in words:
        hidden = torch.zeros(1, model.n_hidden)
        for row in one_hot(word):
            scores, hidden = model(row[None], hidden)
        out.append(int(scores.argmax()))
    return torch.tensor(out)
'''


def _learner(source: str = LEARNER) -> ModuleType:
    return inside.kit.load_learner_module(source, "learner.py")


def _check(facts: dict[str, Any], predictions: dict[str, Any], stepwise: bool) -> Any:
    return CHECKS["recurrent"].run("recurrent", {"stepwise": stepwise}, RunEvidence(facts, {}, predictions, {}))


def test_texts_with_builds_build_then_train_in_place() -> None:
    learner = _learner()
    phases: list[str] = []
    data = {"word": ["Kate", "Keta", "Tako"], "y": np.array([0, 1, 0])}
    model, to_input, _ = inside.train_phase(learner, data, CONTRACT, 0, 5.0, phases.append)
    assert phases == ["build", "forward", "train"] and model.trained_on == 3 and to_input(["a"]) == ["a"]


def test_a_hand_written_rnn_stepped_in_predict_counts_only_where_stepwise_is_allowed() -> None:
    learner = _learner()
    model = learner.build_model(2)
    facts = inside.facts_of(model)
    assert facts["stepwise_modules"] == ["StepRNN"] and facts["recurrent_modules"] == []
    out = inside.predict_phase(learner, model, {"word": ["Kate", "Tak", "Ot"]}, CONTRACT, inside._identity)
    assert out["stepwise_ran"] is True and out["recurrent_ran"] is False and out["pred"].shape == (3,)
    assert _check(facts, out, stepwise=True).passed
    assert not _check(facts, out, stepwise=False).passed


def test_a_gru_counts_when_the_prediction_runs_it_and_not_as_a_decoy() -> None:
    class Tagger(nn.Module):
        def __init__(self, use_rnn: bool) -> None:
            super().__init__()
            self.use_rnn = use_rnn
            self.rnn = nn.GRU(4, 4, batch_first=True)
            self.out = nn.Linear(4, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.out(self.rnn(x)[0] if self.use_rnn else x)

    contract = {"predict": {"via": "model", "input": "x", "output": "raw", "batch_size": 2}}
    x = np.zeros((3, 5, 4), dtype=np.float32)
    for use_rnn in (True, False):
        model = Tagger(use_rnn)
        facts = inside.facts_of(model)
        assert facts["recurrent_modules"] == ["GRU"] and facts["stepwise_modules"] == []
        out = inside.predict_phase(ModuleType("learner"), model, {"x": x}, contract)
        assert out["recurrent_ran"] is use_rnn and out["stepwise_ran"] is False
        check = _check(facts, out, stepwise=False)
        assert check.passed is use_rnn and (use_rnn or "never runs" in check.message)


def test_a_module_with_two_inputs_called_once_per_batch_is_not_stepping() -> None:
    class Masked(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(4, 2)

        def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
            return self.lin(x.sum(1))

    contract = {"predict": {"via": "model", "input": "x", "output": "raw", "batch_size": 2}}
    model = Masked()
    facts = inside.facts_of(model)
    out = inside.predict_phase(ModuleType("learner"), model, {"x": np.zeros((4, 3, 4), dtype=np.float32)}, contract)
    assert facts["stepwise_modules"] == ["Masked"] and out["stepwise_ran"] is False
    assert not _check(facts, out, stepwise=True).passed


def test_order_blind_models_have_no_recurrence() -> None:
    model = nn.Sequential(nn.Linear(26, 8), nn.ReLU(), nn.Linear(8, 4))
    facts = inside.facts_of(model)
    assert facts["recurrent_modules"] == [] and facts["stepwise_modules"] == []
    check = _check(facts, {"recurrent_ran": True, "stepwise_ran": True}, stepwise=True)  # forged: still no layer
    assert not check.passed and "no recurrent layer" in check.message
