"""Feedback that teaches: diagnoses of the run, of the code and of a challenge's classic mistakes.

Diagnoses never change a verdict; they explain it. Each rule fires only when its evidence holds
(the numbers are in the sentence), and a passing run only ever gets informative or celebratory
ones. ``diagnose`` is the one entry point the grading layer calls.
"""

from challenges.feedback.compose import diagnose

__all__ = ["diagnose"]
