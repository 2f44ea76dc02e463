"""Cleaning a job's stdout/stderr before anyone shows it.

Learner output ends up in a Discord message and a terminal: terminal escape sequences, control
characters, bidi overrides and mass mentions are attacker-controlled formatting (category G of
the design note), so they are stripped or neutralised here, once, on the trusted side.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[@-Z\\-_]?")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]")
_MASS_MENTION = re.compile(r"@(everyone|here)")
_MENTION = re.compile(r"<(@[!&]?|#)(\d+)>")
ZWSP = "\u200b"


def clean_output(text: str) -> str:
    """Strip ANSI/OSC escapes and control characters; defuse @everyone, @here and <@id> mentions."""
    text = _ANSI.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _MASS_MENTION.sub("@" + ZWSP + r"\1", text)
    return _MENTION.sub("<" + ZWSP + r"\1\2>", text)
