"""Cleaning a job's stdout/stderr before anyone shows it.

Learner output ends up in a Discord message and a terminal: terminal escape sequences, control
characters, bidi overrides and mass mentions are attacker-controlled formatting (category G of
the design note), so they are stripped or neutralised here, once, on the trusted side.
"""

from __future__ import annotations

import re
import unicodedata

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[@-Z\\-_]?")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]")
_MASS_MENTION = re.compile(r"@(everyone|here)")
_MENTION = re.compile(r"<(@[!&]?|#)(\d+)>")
ZWSP = "\u200b"
#: Letters that render as nothing (Hangul and Braille fillers, the Khmer inherent vowels): a name or
#: message made of them looks empty or spoofs spacing.
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5\u180e\u034f")


def _visible(ch: str) -> bool:
    """Kept: newlines and tabs, and every character that is neither a control (Cc), nor a format
    character (Cf: zero-width, bidi overrides, soft hyphen, tag characters), nor a filler."""
    if ch in "\n\t":
        return True
    return unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in _FILLERS


def clean_output(text: str) -> str:
    """Strip ANSI/OSC escapes, control, invisible and direction-changing characters; then defuse
    @everyone, @here and <@id> mentions (the defusing space is added after the stripping)."""
    text = _ANSI.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if not text.isascii():
        text = "".join(ch for ch in text if ch.isascii() or _visible(ch))
    text = _MASS_MENTION.sub("@" + ZWSP + r"\1", text)
    return _MENTION.sub("<" + ZWSP + r"\1\2>", text)
