"""Learner text is cleaned once, at the boundary: output, exception text and check messages lose
escapes and every invisible or direction-changing character before anything stores or shows them."""

from __future__ import annotations

import pytest
from sandbox_support import assert_clean

from challenges.catalogue import load_catalogue
from challenges.kinds.base import Submission
from sandbox.core.output import ZWSP, clean_output
from sandbox.core.supervisor import Sandbox
from sandbox.driver import grade

HOSTILE = "\x1b[2J\x1b]0;pwned\x07@\u00adeveryone \u3164\u115f \U000e0041\U000e0042 \u202eevil\u202c \u200b\ufeff<@123>"


def test_clean_output_strips_every_invisible_class() -> None:
    text = clean_output(HOSTILE + " café 中文 ✓\tok\n")
    assert "\x1b" not in text and "\u00ad" not in text and "\u3164" not in text and "\u115f" not in text
    assert not any(0xE0000 <= ord(ch) <= 0xE007F for ch in text), "tag characters survive"
    assert "\u202e" not in text and "\ufeff" not in text
    assert f"@{ZWSP}everyone" in text and "@everyone" not in text and "<@123>" not in text
    assert "café 中文 ✓\tok\n" in text


@pytest.mark.sandbox
async def test_exception_text_reaches_the_verdict_clean(sandbox: Sandbox) -> None:
    challenge = load_catalogue().get("shapes-classifier")
    assert challenge is not None
    source = f"def build_model():\n    raise RuntimeError({HOSTILE!r})\n\ndef train(model, loader, time_budget_s):\n    pass\n"
    report = await grade(challenge, Submission({"submission.py": source}), sandbox)
    assert report.status == "error"
    for text in [c.message for c in report.checks] + [report.stderr]:
        assert "\x1b" not in text and "\u202e" not in text and "\u3164" not in text and "@everyone" not in text
    await assert_clean(sandbox)
