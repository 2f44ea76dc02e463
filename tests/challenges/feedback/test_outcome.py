"""How a job ended, diagnosed: the stage, the limit, the likely cause."""

from __future__ import annotations

from challenges.feedback.facts import RunFacts
from challenges.feedback.outcome import outcome_diagnoses


def _ended(status: str, stage: str, message: str = "", error: str = "", traced: bool = False) -> RunFacts:
    return RunFacts(status, stage, False, [stage], [message], {}, None, [], 0, None, 14.0, 20.0, 2048, error, traced)


def test_each_ending_names_its_cause() -> None:
    assert outcome_diagnoses(_ended("timeout", "train"))[0].name == "ignores_time_budget"
    assert outcome_diagnoses(_ended("timeout", "calls"))[0].name == "hangs"
    memory = outcome_diagnoses(_ended("memory", "train"))[0]
    assert memory.name == "out_of_memory" and "2048 MB" in memory.evidence and "loss.item()" in memory.next_step
    syntax = outcome_diagnoses(_ended("error", "load", "Syntax error at line 3, column 18: '(' was never closed"))[0]
    assert syntax.name == "syntax_error" and "line 3" in syntax.evidence
    raised = outcome_diagnoses(_ended("error", "build", "failed", "ValueError: nope"))[0]
    assert raised.name == "raised" and "ValueError" in raised.evidence


def test_a_shape_error_points_at_the_table_only_when_there_is_one() -> None:
    error = "RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x28 and 6272x4)"
    with_table = outcome_diagnoses(_ended("error", "forward", "x", error, traced=True))[0]
    without = outcome_diagnoses(_ended("error", "train", "x", error, traced=False))[0]
    assert with_table.name == without.name == "shape_mismatch"
    assert "layer table" in with_table.next_step and "layer table" not in without.next_step


def test_a_passing_or_plainly_failed_run_has_no_outcome_diagnosis() -> None:
    assert outcome_diagnoses(_ended("passed", "predict")) == []
    assert outcome_diagnoses(_ended("failed", "predict")) == []
