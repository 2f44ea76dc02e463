"""The challenges package's exceptions: one root, a few meanings."""

from __future__ import annotations


class ChallengeError(Exception):
    """Root of the challenges package's exceptions."""


class CatalogueError(ChallengeError):
    """A challenge folder or data file is malformed."""


class PredictionError(ChallengeError):
    """The sandbox returned predictions of the wrong kind, shape or value: the learner's fault."""


class ExchangeError(ChallengeError):
    """The sandbox broke the grading conversation (repeated, empty or unexpected messages)."""
