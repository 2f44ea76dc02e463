"""Each analyzer finds its pitfall in the way tutorials write it, and stays quiet on correct code."""

from __future__ import annotations

import pytest

from challenges.catalogue import Challenge, load_catalogue
from challenges.feedback.code_analyzers import Context, code_diagnoses

LOOP = '''
import torch
from torch import nn
import torch.nn.functional as F

def train(model, loader, time_budget_s):
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    total = 0.0
    for x, y in loader:
        {zero}
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        {acc}
'''


def found(source: str, predict: str | None = None) -> set[str]:
    return {d.name for d in code_diagnoses(source, Context(predict))}


def test_zero_grad_missing_and_tensor_accumulation() -> None:
    assert "zero_grad_missing" in found(LOOP.format(zero="pass", acc="total += loss.item()"))
    assert "zero_grad_missing" not in found(LOOP.format(zero="opt.zero_grad()", acc="total += loss.item()"))
    assert "loss_accumulated_as_tensor" in found(LOOP.format(zero="opt.zero_grad()", acc="total += loss"))
    assert "loss_accumulated_as_tensor" not in found(LOOP.format(zero="opt.zero_grad()", acc="total += loss.item()"))


def test_softmax_before_cross_entropy() -> None:
    model = '''
import torch
from torch import nn
class Net(nn.Module):
    def forward(self, x):
        return torch.softmax(self.fc(x), dim=1)
loss_fn = nn.CrossEntropyLoss()
'''
    assert "softmax_before_cross_entropy" in found(model)
    assert "softmax_before_cross_entropy" in found("import torch.nn as nn\nm = nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=1))\nc = nn.CrossEntropyLoss()\n")
    assert not found(model.replace("CrossEntropyLoss", "NLLLoss").replace("softmax", "log_softmax"))
    assert not found(model.replace("torch.softmax(self.fc(x), dim=1)", "self.fc(x)"))


def test_data_writes_torch_load_predict_and_frozen_backbone() -> None:
    assert "data_write" in found("def f(p):\n    p.data = p.data * 0.9\n")
    assert "data_write" in found("def f(p):\n    p.data.mul_(0.9)\n")
    assert "data_write" not in found("import torch\ndef f(p):\n    with torch.no_grad():\n        p.mul_(0.9)\n")
    assert "torch_load_unsafe" in found("import torch\nsd = torch.load('m.pt')\n")
    assert "torch_load_unsafe" not in found("import torch\nsd = torch.load('m.pt', weights_only=True)\n")
    bare = "def predict(model, x):\n    return model(x).argmax(1)\n"
    assert "predict_without_eval" in found(bare, predict="predict")
    assert not found(bare.replace("    return", "    model.eval()\n    return"), predict="predict")
    freeze = '''
def train(model, loader, time_budget_s):
    for p in model.backbone.parameters():
        p.requires_grad = False
    model.train()
'''
    assert "frozen_backbone_train_mode" in found(freeze)
    assert "frozen_backbone_train_mode" not in found(freeze + "    model.backbone.eval()\n")


def test_broken_or_pathological_sources_give_no_suggestion_rather_than_an_error() -> None:
    assert code_diagnoses("def (:", Context()) == []
    assert code_diagnoses("x = " + "(" * 5000 + ")" * 5000, Context()) == []


PYTHON_CHALLENGES = [c for c in load_catalogue() if c.spec.kind != "quiz" and c.spec.python_file]


@pytest.mark.parametrize("challenge", PYTHON_CHALLENGES, ids=lambda c: c.id)
def test_our_references_raise_no_actionable_suggestion(challenge: Challenge) -> None:
    predict = getattr(getattr(challenge.config, "predict", None), "function", None)
    (source,) = challenge.reference_files.values()
    urgent = [d for d in code_diagnoses(source, Context(predict)) if d.urgent]
    assert urgent == [], (challenge.id, urgent)
