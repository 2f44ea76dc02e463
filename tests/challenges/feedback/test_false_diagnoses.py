"""Honest feedback: twenty correct variations of our references (other optimizers, batch sizes,
architectures, schedules), graded in the real sandbox, get no essential diagnosis. A diagnosis
that fires on correct code teaches the wrong lesson, so this test guards every run rule and code
analyzer against false alarms."""

from __future__ import annotations

import asyncio

import pytest

from challenges.catalogue import load_catalogue
from challenges.kinds.base import Submission
from sandbox.core.supervisor import Sandbox
from sandbox.driver import grade

pytestmark = pytest.mark.sandbox

ADAM = "torch.optim.Adam(model.parameters(), lr=base_lr)"
VARIANTS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("shapes-classifier", "SGD with momentum", [(ADAM, "torch.optim.SGD(model.parameters(), lr=base_lr * 15, momentum=0.9)")]),
    ("shapes-classifier", "AdamW with weight decay", [(ADAM, "torch.optim.AdamW(model.parameters(), lr=base_lr, weight_decay=1e-2)")]),
    ("shapes-classifier", "RMSprop", [(ADAM, "torch.optim.RMSprop(model.parameters(), lr=base_lr / 3)")]),
    ("shapes-classifier", "no BatchNorm", [("        nn.BatchNorm2d(16),\n", ""), ("        nn.BatchNorm2d(32),\n", "")]),
    ("shapes-classifier", "GELU", [("nn.ReLU()", "nn.GELU()")]),
    ("shapes-classifier", "dropout before the head", [("nn.Linear(64, 4)", "nn.Dropout(0.2),\n        nn.Linear(64, 4)")]),
    ("shapes-classifier", "adaptive pooling head",
     [("nn.Flatten(),\n        nn.Linear(32 * 7 * 7, 64)", "nn.AdaptiveAvgPool2d(4),\n        nn.Flatten(),\n        nn.Linear(32 * 4 * 4, 64)")]),
    ("shapes-classifier", "label smoothing", [("nn.CrossEntropyLoss()", "nn.CrossEntropyLoss(label_smoothing=0.05)")]),
    ("shapes-classifier", "three epochs", [("EPOCHS = 5", "EPOCHS = 3")]),
    ("shapes-classifier", "constant learning rate", [('group["lr"] = base_lr * max(0.05, 1.0 - progress)', 'group["lr"] = base_lr')]),
    ("denoiser", "AdamW", [(ADAM, "torch.optim.AdamW(model.parameters(), lr=base_lr, weight_decay=1e-4)")]),
    ("denoiser", "L1 loss", [("nn.MSELoss()", "nn.L1Loss()")]),
    ("denoiser", "wider bottleneck", [("nn.Conv2d(32, 32, 3, padding=1), 32)", "nn.Conv2d(32, 48, 3, padding=1), 48)"),
                                      ("nn.ConvTranspose2d(32, 16, 4", "nn.ConvTranspose2d(48, 16, 4")]),
    ("denoiser", "six epochs", [("EPOCHS = 10", "EPOCHS = 6")]),
    ("denoiser", "inference mode in denoise", [("    with torch.no_grad():\n        return model(noisy)",
                                                "    with torch.inference_mode():\n        return model(noisy)")]),
    ("bilstm-future-context", "bidirectional GRU", [("nn.LSTM(emb, hidden", "nn.GRU(emb, hidden")]),
    ("bilstm-future-context", "two LSTM layers", [("bidirectional=True)", "bidirectional=True, num_layers=2)")]),
    ("bilstm-future-context", "wider hidden state", [("hidden=32", "hidden=48")]),
    ("bilstm-future-context", "AdamW", [("torch.optim.Adam(model.parameters(), lr=1e-2)",
                                         "torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-4)")]),
    ("bilstm-future-context", "batches of 32", [("range(0, len(X), 64)", "range(0, len(X), 32)"),
                                                ("order[start : start + 64]", "order[start : start + 32]")]),
]


def variant_source(challenge_id: str, edits: list[tuple[str, str]]) -> str:
    challenge = load_catalogue().get(challenge_id)
    assert challenge is not None
    (source,) = challenge.reference_files.values()
    for old, new in edits:
        assert old in source, (challenge_id, old)  # a variant that no longer applies must fail loudly
        source = source.replace(old, new)
    return source


def test_the_twenty_variants_are_twenty() -> None:
    assert len(VARIANTS) == 20
    assert len({(c, name) for c, name, _ in VARIANTS}) == 20


def test_correct_variants_get_no_essential_diagnosis(sandbox: Sandbox) -> None:
    catalogue = load_catalogue()

    async def run_all() -> list[tuple[str, object]]:
        jobs = []
        for challenge_id, _name, edits in VARIANTS:
            challenge = catalogue.get(challenge_id)
            assert challenge is not None
            jobs.append(grade(challenge, Submission({"submission.py": variant_source(challenge_id, edits)}), sandbox))
        reports = await asyncio.gather(*jobs)
        return [(f"{c}: {n}", r) for (c, n, _), r in zip(VARIANTS, reports, strict=True)]

    results = asyncio.run(run_all())
    for label, report in results:
        assert report.status in ("passed", "failed"), (label, report.status, report.checks)  # type: ignore[attr-defined]
        essential = [d for d in report.diagnoses if d.kind == "essential"]  # type: ignore[attr-defined]
        assert essential == [], (label, essential)
    passed = sum(r.passed for _, r in results)  # type: ignore[attr-defined]
    assert passed >= 15, [(label, r.status, r.metrics) for label, r in results]  # type: ignore[attr-defined]
