"""The `tutor` command as a user runs it: real processes, real sandbox, real database file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHAPES = ROOT / "challenges" / "content" / "shapes_classifier"


def tutor(*args: str, stdin: str | None = None, tmp_path: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    env["TUTOR_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'tutor.db'}"
    env["TUTOR_SUBMIT_COOLDOWN_S"] = "0"
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
        env=env, cwd=tmp_path, timeout=timeout,
    )


def test_challenges_list_json(tmp_path: Path) -> None:
    proc = tutor("challenges", "list", "--json", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    items = json.loads(proc.stdout)
    by_id = {item["id"]: item for item in items}
    for cid in ("shapes-classifier", "denoiser", "bilstm-future-context"):
        assert set(by_id[cid]) == {"id", "title", "competency", "difficulty", "points", "device", "kind"}
        assert by_id[cid]["kind"] in {"trained", "functions", "files"} and 1 <= by_id[cid]["competency"] <= 9


def test_grade_json_for_a_failing_starter(tmp_path: Path) -> None:
    proc = tutor("grade", "shapes-classifier", str(SHAPES / "starter.py"), "--json", tmp_path=tmp_path)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report) == {"challenge", "status", "passed", "score", "tier", "points", "checks", "metrics",
                           "runtime_s", "phase", "stdout", "stderr", "diagnoses", "trace", "trace_note"}
    assert report["status"] == "failed" and report["passed"] is False
    for check in report["checks"]:
        assert set(check) == {"name", "passed", "message", "value", "threshold", "evidence", "warning", "advice"}
        assert check["evidence"] in {"trusted", "sandbox-observed"}
    # The issue's own story: the starter stops after one short epoch, and the verdict says so first.
    diagnoses = {d["name"]: d for d in report["diagnoses"]}
    early = diagnoses["stopped_early"]
    assert early["kind"] == "actionable" and "of its 14 s budget" in early["evidence"] and early["next_step"]
    assert all(set(d) == {"name", "kind", "evidence", "next_step", "source", "line"} for d in report["diagnoses"])


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (("grade", "no-such-challenge", "x.py"), 2, "no graded challenge"),
        (("grade", "shapes-classifier", "missing.py"), 2, "No such file"),
    ],
)
def test_grade_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...], code: int, fragment: str) -> None:
    proc = tutor(*args, tmp_path=tmp_path)
    assert proc.returncode == code
    assert fragment in proc.stderr


def test_grade_binary_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "blob.py").write_bytes(b"\x00\x01\x02")
    proc = tutor("grade", "shapes-classifier", str(tmp_path / "blob.py"), tmp_path=tmp_path)
    assert proc.returncode == 2 and "binary" in proc.stderr


def test_piped_console_session_goes_through_the_whole_loop(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def build_model(:\n")
    commands = "\n".join([
        "/challenge list",
        "/challenge show shapes-classifier",
        "/hint shapes-classifier",
        f"/challenge submit shapes-classifier {SHAPES / 'reference.py'}",
        "/progress",
        f"/challenge submit shapes-classifier {tmp_path / 'broken.py'}",
        f"/challenge submit shapes-classifier {SHAPES / 'cases' / 'fails_at_third_layer.py'}",
        "/challenge submit shapes-classifier /nonexistent.py",
        "/challenge show no-such-thing",
        "/nonsense",
        "/progress",
        "/leaderboard",
        "/resources",
    ]) + "\n"
    proc = tutor("chat", "--user", "alice", "--guild", "lab", stdin=commands, tmp_path=tmp_path)
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr
    assert "shapes-classifier" in out and "bilstm-future-context" in out  # the list
    assert "## Contract" in out or "Contract:" in out  # the statement
    assert "Hint 1/" in out
    assert "queued (position 1)" in out and "step" in out and "loss" in out  # streamed progress
    assert "PASSED: shapes-classifier" in out and "accuracy" in out
    assert "Your points: 0 -> " in out
    assert "Syntax error at line 1" in out
    assert "what the run shows:" in out and "next:" in out  # diagnoses
    assert "layer by layer" in out and "FAILED" in out and "6272" in out  # the shape trace, third layer
    pictures = [line.split("pictures: ", 1)[1] for line in out.splitlines() if "pictures: " in line]
    assert pictures and all(Path(tmp_path, p).is_file() for p in pictures[0].split(", "))  # the loss curve, as a file
    assert "could not read /nonexistent.py" in out
    assert "There is no challenge `no-such-thing`" in out
    assert "unknown command" in out
    # progress survived the later failure: the last /progress still shows the pass
    last_progress = out[out.rindex("Progress of alice"):]
    assert "1/1" in last_progress.splitlines()[1] or "1/" in last_progress
    assert "1. alice" in out
    assert "https://pytorch.org/tutorials/beginner/deep_learning_60min_blitz.html" in out


@pytest.mark.sandbox
def test_sandbox_run_no_lint_leaves_only_the_kernel_layers(tmp_path: Path) -> None:
    """The lint turns this file away; with --no-lint it runs and the kernel layers contain it."""
    attack = tmp_path / "attack.py"
    attack.write_text("import os\nprint('uid', os.getuid())\ntry:\n    open('/etc/shadow').read()\n    print('ESCAPED')\n"
                      "except OSError as exc:\n    print('contained', type(exc).__name__)\n")
    linted = tutor("sandbox", "run", str(attack), "--json", tmp_path=tmp_path)
    assert json.loads(linted.stdout)["status"] == "rejected"
    raw = tutor("sandbox", "run", str(attack), "--json", "--no-lint", tmp_path=tmp_path)
    result = json.loads(raw.stdout)
    assert result["status"] == "ok", result
    assert "contained" in result["stdout"] and "ESCAPED" not in result["stdout"] and "uid 0" not in result["stdout"]


@pytest.mark.parametrize(("threshold", "higher", "needed"), [
    (0.80, True, 0.05), (0.90, True, 0.05),  # the plain margin
    (0.95, True, 0.025), (0.96, True, 0.02), (0.99, True, 0.005),  # the relative rule: error <= half the allowance
    (0.316, False, 0.05),  # lower-is-better ratios keep the plain margin
])
def test_calibration_margin_follows_design_2_4(threshold: float, higher: bool, needed: float) -> None:
    from bot.cli import required_margin

    assert required_margin(threshold, higher) == pytest.approx(needed)
