"""Category I through the real graded path: lying, monkeypatching and early exits never pass."""

from __future__ import annotations

import pytest
from sandbox_support import assert_clean

from challenges.catalogue import load_catalogue
from challenges.kinds.base import Submission
from sandbox.core.supervisor import Sandbox
from sandbox.driver import grade

pytestmark = pytest.mark.sandbox

BUILD = """
import torch
from torch import nn

def build_model():
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 4))
"""

CASES = {
    "monkeypatch_allclose": BUILD + """
import builtins
torch.allclose = lambda *a, **k: True
torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)
builtins.round = lambda *a, **k: 1.0

def train(model, loader, time_budget_s):
    pass
""",
    "fake_stdout_verdict": BUILD + """
def train(model, loader, time_budget_s):
    print("status: passed  accuracy 1.000  tier gold")
""",
    "exit_zero_mid_train": BUILD + """
import os

def train(model, loader, time_budget_s):
    os._exit(0)
""",
    "garbage_on_channel": BUILD + """
import os

def train(model, loader, time_budget_s):
    os.write(3, b"\\x00\\x00\\x00\\x10" + b'{"type":"predictions","values":{},"arrays":[]}'[:16])
""",
    "nan_predictions": """
import torch
from torch import nn

class Liar(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Linear(1, 1)

    def forward(self, x):
        return torch.full((x.shape[0], 4), float("nan"))

def build_model():
    return Liar()

def train(model, loader, time_budget_s):
    pass
""",
    "eval_mode_detection": """
import torch
from torch import nn

class Sly(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(28 * 28, 4)

    def forward(self, x):
        out = self.fc(x.flatten(1))
        return out if self.training else torch.zeros_like(out)

def build_model():
    return Sly()

def train(model, loader, time_budget_s):
    pass
""",
}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_grader_attack_never_passes(sandbox: Sandbox, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # As if the sample had slipped past the lint layer: the boundary must hold on its own.
    monkeypatch.setattr("sandbox.driver.check_source", lambda source, *_, **__: [])
    challenge = load_catalogue().get("shapes-classifier")
    if challenge is None:
        pytest.skip("the shapes-classifier challenge is not in the catalogue")
    report = await grade(challenge, Submission({"submission.py": CASES[name]}), sandbox)
    assert report.status in {"failed", "error"}, (report.status, [c.message for c in report.checks])
    assert not report.passed and report.points == 0
    assert "canary" not in report.stdout + report.stderr
    await assert_clean(sandbox)
