"""`tutor challenges calibrate` counts every criterion of a metric with parts: the margin it
reports is the smallest over the headline and each part's threshold (C7.3's clean-input PSNR can
fail while the worst gain is close). Run on a case of ours that needs no training."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BLUR = ROOT / "challenges" / "content" / "blind_dae" / "cases" / "blur_as_model.py"


def test_the_margin_is_the_smallest_over_every_criterion(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "challenges", "calibrate", "blind-dae", "--seeds", "1",
                           "--file", str(BLUR), "--json"], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=300)
    out = json.loads(proc.stdout)
    assert proc.returncode == 1 and out["ok"] is False
    [run] = out["runs"]
    metrics = run["metrics"]
    headline = metrics["psnr_gain"] - 6.0
    clean = metrics["psnr_clean"] - 28.0
    assert clean < headline  # a blur loses more on clean images than it misses on gain
    assert run["margin"] == round(min(headline, clean, *(metrics[f"gain_sigma_{k}"] - 6.0 for k in ("0_1", "0_3", "0_5"))), 4)
    assert "psnr_clean" in run["failed"]
