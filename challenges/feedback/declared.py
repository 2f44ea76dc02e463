"""A challenge's own classic mistakes, declared as data in its ``challenge.toml``::

    [[diagnoses]]
    name = "trained_noisy_to_noisy"
    kind = "actionable"
    when = "mse_ratio > 0.9 and steps > 20"
    evidence = "Your output is as far from the clean image as the noisy input is (ratio {mse_ratio:.2f})."
    next_step = "Train on (noisy, clean) pairs: the loss compares the output with the clean image."

``when`` is a small expression over the run's facts (``RunFacts.names``: every metric, ``steps``,
``train_s``, ``budget_used``, ``loss_first``, ``loss_last``, ``metric``, ``threshold``,
``baseline``, ``chance``, ``train_metric``, ``passed``, and ``failed_<check>`` = 1 for a
check that failed): numbers, names, comparisons, ``and`` /
``or`` / ``not`` and arithmetic, nothing else (checked when the folder loads). ``show``, an
expression of the same kind, is quoted in the texts as ``{shown}``. A name the run
lacks means the evidence is missing, and the diagnosis does not appear.
"""

from __future__ import annotations

import ast
import operator
import string
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from challenges.feedback.facts import RunFacts
from challenges.verdict import Diagnosis

_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_CMP = {ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Eq: operator.eq, ast.NotEq: operator.ne}
_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Compare, ast.BinOp,
            ast.Name, ast.Load, ast.Constant, *_BIN, *_CMP)
MAX_EXPRESSION = 300


class Missing(Exception):
    """A name the run's facts do not have."""


def parse_predicate(text: str) -> ast.Expression:
    if len(text) > MAX_EXPRESSION:
        raise ValueError(f"a `when` expression is at most {MAX_EXPRESSION} characters")
    tree = ast.parse(text, mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ValueError(f"`when` may not use {type(node).__name__}: {text!r}")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise ValueError(f"`when` takes numbers only: {text!r}")
    return tree


def evaluate(node: ast.AST, names: dict[str, float]) -> Any:
    if isinstance(node, ast.Expression):
        return evaluate(node.body, names)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise Missing(node.id)
        return names[node.id]
    if isinstance(node, ast.BoolOp):
        values = [bool(evaluate(v, names)) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp):
        value = evaluate(node.operand, names)
        return (not value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.BinOp):
        left, right = evaluate(node.left, names), evaluate(node.right, names)
        if isinstance(node.op, ast.Div) and right == 0:
            raise Missing("division by zero")
        return _BIN[type(node.op)](left, right)
    if isinstance(node, ast.Compare):
        left = evaluate(node.left, names)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = evaluate(comparator, names)
            if not _CMP[type(op)](left, right):
                return False
            left = right
        return True
    raise ValueError(f"unsupported node {type(node).__name__}")  # parse_predicate rules this out


class DeclaredDiagnosis(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    kind: Literal["essential", "actionable", "informative", "celebratory"] = "actionable"
    when: str
    show: str | None = None  # an expression whose value the texts may quote as {shown}
    evidence: str = Field(max_length=300)
    next_step: str = Field(max_length=300)

    @field_validator("when", "show")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        if value is not None:
            parse_predicate(value)
        return value

    @field_validator("evidence", "next_step")
    @classmethod
    def _plain_fields(cls, value: str) -> str:
        for _, field_name, _, _ in string.Formatter().parse(value):
            if field_name is not None and not field_name.isidentifier():
                raise ValueError(f"placeholders name a fact only: {{{field_name}}}")
        return value

    def applies(self, facts: RunFacts) -> Diagnosis | None:
        names = facts.names()
        try:
            if not evaluate(parse_predicate(self.when), names):
                return None
            if self.show is not None:
                names["shown"] = float(evaluate(parse_predicate(self.show), names))
            evidence, step = self.evidence.format_map(names), self.next_step.format_map(names)
        except (Missing, KeyError, ValueError, TypeError, ArithmeticError):
            return None
        return Diagnosis(self.name, self.kind, evidence, step, "challenge")


def declared_diagnoses(declared: list[DeclaredDiagnosis], facts: RunFacts) -> list[Diagnosis]:
    return [d for item in declared if (d := item.applies(facts)) is not None]
