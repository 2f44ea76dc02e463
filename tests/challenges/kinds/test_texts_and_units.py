"""The trained kind's texts and unit calls (C4.5): ``fit(texts, labels, *args)`` returns any
classifier, ``predict(clf, texts)`` labels lists of strings, texts cross as bounded JSON lists,
and unit calls run in the same job before training with their checks merged."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
import torch
from pydantic import ValidationError
from torch import nn

from challenges.kinds import trained_inside as inside
from challenges.kinds.trained import MAX_TEXT_CHARS, TrainConfig, TrainedConfig, text_list

CONTRACT = {"train": {"gives": "texts", "function": "fit", "arrays": ["text", "y"], "args": [2]},
            "predict": {"via": "function", "function": "predict", "input": "text", "output": "raw", "batch_size": 2},
            "build": {"function": "build_model", "args": []}}


def _learner() -> ModuleType:
    source = '''
import torch
from torch import nn

def fit(texts, labels, num_classes, time_budget_s):
    return {"first": {t.split()[0] for t, y in zip(texts, labels) if int(y) == 1}, "net": nn.Linear(1, 1)}

def predict(clf, texts):
    return torch.tensor([int(t.split()[0] in clf["first"]) for t in texts])
'''
    return inside.kit.load_learner_module(source, "learner.py")


def test_fit_returns_any_classifier_and_predict_takes_lists_of_texts() -> None:
    learner = _learner()
    data = {"text": ["a x", "b y", "a z"], "y": np.array([1, 0, 1])}
    phases: list[str] = []
    clf, to_input, names = inside.train_phase(learner, data, CONTRACT, 0, 5.0, phases.append)
    assert phases == ["train"] and names is None and to_input(["q"]) == ["q"]
    facts = inside.facts_of(clf)
    assert facts["module_types"] == ["Linear"] and facts["n_params"] == 2
    out = inside.predict_phase(learner, clf, {"text": ["a 1", "b 2", "c 3"], "fit:text": ["a"]}, CONTRACT, to_input)
    assert out["pred"].tolist() == [1, 0, 0] and out["fit:text"].tolist() == [1]


def test_a_classifier_without_a_network_has_empty_facts() -> None:
    assert inside.facts_of(({"w": 1}, [1, 2])) == {"module_types": [], "n_params": 0, "parameter_names": []}
    assert inside._module_of((None, nn.ReLU())).__class__ is nn.ReLU  # type: ignore[union-attr]


def test_fit_returning_none_is_a_contract_error() -> None:
    learner = inside.kit.load_learner_module("def fit(texts, labels, k, time_budget_s):\n    return None\n", "l.py")
    with pytest.raises(TypeError, match="must return the trained classifier"):
        inside.train_phase(learner, {"text": ["a"], "y": np.array([0])}, CONTRACT, 0, 1.0, lambda _: None)


def test_texts_are_bounded_on_the_way_out() -> None:
    assert text_list(np.asarray(["a b", "c"])) == ["a b", "c"]
    with pytest.raises(ValueError, match="larger"):
        text_list(np.asarray(["x" * (MAX_TEXT_CHARS + 1)]))


def test_config_rules_for_texts() -> None:
    with pytest.raises(ValidationError):
        TrainConfig(gives="texts", arrays=["text"])
    with pytest.raises(ValidationError):
        TrainConfig(gives="tensors", arrays=["x", "y"], args=[4])
    with pytest.raises(ValidationError, match="predicts via"):
        TrainedConfig(data={"generator": "topics", "train_size": 10, "test_size": 10, "train_seed": 1},
                      train={"gives": "texts", "arrays": ["text", "y"]}, predict={"input": "text"},
                      metric={"name": "accuracy", "label": "y", "at_least": 0.9})


def test_unit_calls_run_before_training_in_the_same_module() -> None:
    from challenges.kinds.base import Call
    from challenges.kinds.functions import read_results
    from challenges.kinds.functions_inside import run_calls

    learner = inside.kit.load_learner_module("import torch\ndef pad(x):\n    return torch.zeros(x, dtype=torch.long)\n"
                                             "def boom():\n    raise KeyError('secret text')\n", "l.py")
    calls = [Call("a", "pad", (3,)), Call("b", "boom"), Call("c", "missing")]
    payload = run_calls(learner, [{"id": c.id, "function": c.function, "args": list(c.args)} for c in calls], {}, None)
    results = read_results(calls, payload)
    assert isinstance(results["a"].value, np.ndarray) and results["a"].value.tolist() == [0, 0, 0]
    assert results["b"].error is not None and results["b"].error.startswith("KeyError")
    assert results["c"].error is not None and "missing" in results["c"].error
    assert torch.get_num_threads() >= 1
