"""`tutor challenges validate` through the real sandbox: for every graded challenge the
reference passes, the starter fails, and each known case (its own and its kind's common ones)
gets exactly its verdict. Feedback too, for every challenge, so new ones are held to it: the
reference gets no essential or actionable diagnosis, and the starter and every case that does not
pass get at least one (the one a case names, where it names one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from challenges.catalogue import load_catalogue

pytestmark = pytest.mark.sandbox


@pytest.mark.timeout(2700)  # every challenge through the sandbox: ~15 min on 2 cores, more than the default 600 s
def test_every_challenge_validates_in_the_real_sandbox(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "challenges", "validate", "--json"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=2400,
    )
    results = json.loads(proc.stdout)
    assert {r["id"] for r in results} == set(load_catalogue().ids())
    for result in results:
        if result["reference"] is None:  # quizzes have nothing to run
            continue
        assert result["reference"]["passed"], result
        assert result["reference"]["urgent"] == [], result["reference"]
        assert result["starter"]["passed"] is False, result
        assert result["starter"]["diagnoses"], result["starter"]
        assert result["cases"], f"{result['id']} has no cases"
        for case in result["cases"]:
            assert case["ok"], (result["id"], case)
            if case["got"] != "passed":
                assert case["diagnoses"], (result["id"], case)
        assert result["ok"]
    assert proc.returncode == 0, proc.stderr
