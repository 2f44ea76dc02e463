"""Grading integrity, as a hostile learner attacks it: each of these won on main before the
challenge-kinds and hardening work, and each is kept as a regression test.

They go through the real graded path (``sandbox.driver.grade``) with the lint switched off, as if
the file had slipped past it: the grading layer and the kernel must hold on their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox_support import assert_clean

from challenges.catalogue import load_catalogue
from challenges.kinds.base import Submission
from sandbox.core.supervisor import Sandbox
from sandbox.driver import grade

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).resolve().parents[2]
SHAPES_GENERATOR = (ROOT / "challenges" / "datagen" / "shapes.py").read_text(encoding="utf-8")

FRAME = '''
import json as _json, os as _os, struct as _struct

def _frame(message):
    data = _json.dumps(message).encode()
    _os.write(3, _struct.pack(">I", len(data)) + data)
'''

SMALL_MODEL = '''
import time
import torch
from torch import nn

def build_model():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.Flatten(), nn.Linear(4 * 28 * 28, 4))
'''

# The hidden split used to come from a fixed seed near the training seed, and the shuffle from the
# data seed: searching a few seeds against the first prediction batch gave back the labels.
SEED_SEARCH = SHAPES_GENERATOR.replace("from __future__ import annotations", "") + SMALL_MODEL + '''

CANDIDATES = [51977, 51978, 51979] + [51001 + k for k in range(-5, 5)]

class Oracle(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.labels = None
        self.offset = 0

    def forward(self, x):
        if self.training:
            return self.inner(x)
        if self.labels is None and len(x) > 100:
            first = x[0].numpy()
            for seed in CANDIDATES:
                images, labels = make_shapes(1000, seed, centred=True)
                if np.allclose(images[0], first):
                    self.labels = torch.from_numpy(labels)
                    break
        if self.labels is None or len(x) <= 100:
            return self.inner(x)
        out = torch.nn.functional.one_hot(self.labels[self.offset:self.offset + len(x)], 4).float()
        self.offset += len(x)
        return out

_build = build_model

def build_model():
    return Oracle(_build())

def train(model, loader, time_budget_s):
    pass
'''

# Re-announcing the training phase used to buy a fresh deadline each time.
PHASE_AGAIN = FRAME + SMALL_MODEL + '''
def train(model, loader, time_budget_s):
    start = time.monotonic()
    while time.monotonic() - start < 40:
        _frame({"type": "phase", "name": "train", "values": {}, "arrays": []})
        time.sleep(2)
'''

# Training inside build_model() ran outside any bounded phase.
TRAIN_IN_BUILD = '''
import time
from torch import nn

def build_model():
    start = time.monotonic()
    while time.monotonic() - start < 60:
        time.sleep(0.5)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 4))

def train(model, loader, time_budget_s):
    pass
'''

# An empty facts message used to start another round of hidden test data (and could repeat).
FACTS_AGAIN = FRAME + SMALL_MODEL + '''
def train(model, loader, time_budget_s):
    for _ in range(3):
        _frame({"type": "facts", "values": {}, "arrays": []})
        time.sleep(0.5)
'''

ATTACKS = {
    "seed-search": (SEED_SEARCH, {"failed"}, None),
    "phase-announced-again": (PHASE_AGAIN, {"error"}, "phase"),
    "training-inside-build": (TRAIN_IN_BUILD, {"timeout"}, "build"),
    "facts-sent-again": (FACTS_AGAIN, {"error"}, None),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
async def test_integrity_attack_never_passes(sandbox: Sandbox, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sandbox.driver.check_source", lambda source, *_, **__: [])
    challenge = load_catalogue().get("shapes-classifier")
    assert challenge is not None
    source, statuses, where = ATTACKS[name]
    report = await grade(challenge, Submission({"submission.py": source}), sandbox)
    assert report.status in statuses, (report.status, [c.message for c in report.checks])
    assert not report.passed and report.points == 0
    if where == "build":
        assert report.phase == "build" and report.runtime_s < 60
    if where == "phase":
        assert "phase" in " ".join(c.message for c in report.checks) and report.runtime_s < 40
    await assert_clean(sandbox)


async def test_the_seed_search_wins_against_a_fixed_seed(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """The attack is real: against the old fixed test seed it returns the hidden labels. Only the
    per-run 64-bit seed from ``secrets`` stops it (the test above)."""
    monkeypatch.setattr("sandbox.driver.check_source", lambda source, *_, **__: [])
    challenge = load_catalogue().get("shapes-classifier")
    assert challenge is not None
    report = await grade(challenge, Submission({"submission.py": SEED_SEARCH}), sandbox, seed=51977)
    assert report.metrics.get("accuracy") == 1.0, report.checks


DIVERGES = '''
import time
import torch
from torch import nn

def build_model():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 28 * 28, 4))

def train(model, loader, time_budget_s):
    optimizer = torch.optim.SGD(model.parameters(), lr=float("inf"))  # a typo of an lr: 1e12, inf
    loss_fn = nn.CrossEntropyLoss()
    for images, labels in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
'''


async def test_a_diverging_loss_is_a_teaching_verdict_not_an_error(sandbox: Sandbox) -> None:
    challenge = load_catalogue().get("shapes-classifier")
    assert challenge is not None
    events: list[dict[str, object]] = []
    report = await grade(challenge, Submission({"submission.py": DIVERGES}), sandbox, on_event=events.append)
    assert report.status == "failed", (report.status, [c.message for c in report.checks])
    note = next((d for d in report.diagnoses if d.name == "loss_diverged"), None)
    assert note is not None, (report.diagnoses, report.losses[:5])
    assert note.kind == "actionable" and "nan" in note.evidence and "learning rate" in note.next_step
    assert any(e.get("type") == "progress" for e in events)  # progress kept flowing with a NaN loss
