"""The catalogue loads our challenge folders through the real schema, with the binding fields."""

from __future__ import annotations

import importlib

import pytest

from challenges.catalogue import load_catalogue

OURS = {
    "shapes-classifier": (5, "beginner", 100),
    "denoiser": (7, "beginner", 100),
    "bilstm-future-context": (6, "intermediate", 150),
}


def test_catalogue_loads_every_folder() -> None:
    catalogue = load_catalogue()
    assert set(OURS) <= set(catalogue.ids())


@pytest.mark.parametrize("challenge_id", sorted(OURS))
def test_spec_fields(challenge_id: str) -> None:
    challenge = load_catalogue().get(challenge_id)
    assert challenge is not None
    spec = challenge.spec
    assert (spec.competency, spec.difficulty, spec.points) == OURS[challenge_id]
    assert spec.kind == "graded" and spec.device == "cpu"
    assert spec.limits.train_budget_s == 14.0 and spec.limits.wall_s == 20.0
    assert spec.limits.threads == 2 and spec.limits.memory_mb == 2048
    assert spec.seeds is not None and spec.seeds.train != spec.seeds.test
    assert len(spec.hints) == 3
    assert "https://pytorch.org/docs/stable/index.html" in {r.url for r in spec.resources}
    assert spec.tiers is not None and spec.tiers.metric in spec.thresholds
    assert challenge.statement.startswith("# ")
    grader = challenge.grader()
    for name in ("training_data", "test_data", "evaluate"):
        assert callable(getattr(grader, name))
    harness = importlib.import_module(f"{challenge.package}.harness")
    for name in ("train", "facts", "predict"):
        assert callable(getattr(harness, name))


@pytest.mark.parametrize("challenge_id", sorted(OURS))
def test_cases_exist(challenge_id: str) -> None:
    challenge = load_catalogue().get(challenge_id)
    assert challenge is not None
    cases = challenge.cases()
    assert cases, "every trained challenge ships known-bad cases"
    for case in cases:
        assert (challenge.folder / "cases" / case.file).is_file(), case.file
    statuses = {c.expected for c in cases}
    assert {"failed", "error", "timeout"} <= statuses
