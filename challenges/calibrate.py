"""Calibration of a trained challenge under the design's rule (§2.4), run by developers.

    python -m challenges.calibrate shapes-classifier --seeds 3 [--starter] [--file PATH]

Runs the grading pipeline in-process (``challenges.inprocess``) on OUR OWN reference by default,
with the challenge's thread count, over several (train, test) seed pairs, and prints the primary
metric, its margin to the threshold, the baseline, and wall times. The reference must pass every
seed with a margin >= 0.05 inside the training budget; ``--starter`` shows that the starter fails.
Never point ``--file`` at learner code: nothing here is sandboxed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from challenges.catalogue import load_catalogue
from challenges.inprocess import run

#: challenge id -> (primary metric, threshold key, higher is better, baseline metric)
PRIMARY: dict[str, tuple[str, str, bool, str]] = {
    "shapes-classifier": ("accuracy", "accuracy", True, "baseline_accuracy"),
    "denoiser": ("mse_ratio", "mse_ratio", False, "blur_mse_ratio_vs_noisy"),
    "bilstm-future-context": ("accuracy", "accuracy", True, "baseline_accuracy"),
}
MARGIN = 0.05


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("challenge_id")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--starter", action="store_true", help="grade the starter instead")
    parser.add_argument("--file", type=Path, help="grade one of our own files instead")
    parser.add_argument(
        "--budget",
        type=float,
        help="override time_budget_s (dev only: on a busy shared machine, lets the reference finish its "
        "epochs; judge time by the printed idle-host estimate)",
    )
    args = parser.parse_args(argv)

    challenge = load_catalogue().get(args.challenge_id)
    if challenge is None or challenge.spec.seeds is None:
        print(f"unknown or ungraded challenge {args.challenge_id!r}", file=sys.stderr)
        return 2
    metric, key, higher, baseline_key = PRIMARY.get(args.challenge_id, ("accuracy", "accuracy", True, ""))
    threshold = challenge.spec.thresholds[key]
    path = args.file or (challenge.starter_path if args.starter else challenge.reference_path)
    budget = challenge.spec.limits.train_budget_s
    print(f"{challenge.id}: {path.name}, threshold {metric} {'>=' if higher else '<='} {threshold}")
    ok = True
    for k in range(args.seeds):
        tr, te = challenge.spec.seeds.train + k, challenge.spec.seeds.test + k
        result = run(challenge, path, train_seed=tr, test_seed=te, budget_s=args.budget)
        ev = result.evaluation
        value = ev.metrics.get(metric, float("nan"))
        margin = (value - threshold) if higher else (threshold - value)
        good = ev.passed and margin >= MARGIN and min(result.train_s, result.est_uncontended_train_s) <= budget
        ok = ok and good
        failed = [c.name for c in ev.checks if not c.passed]
        print(
            f"  seeds {tr}/{te}: {metric} {value:.4f} margin {margin:+.4f} "
            f"baseline {ev.metrics.get(baseline_key, float('nan')):.4f} "
            f"passed={ev.passed} tier={ev.tier} train {result.train_s:.1f}s (cpu {result.train_cpu_s:.1f}s, {result.steps} steps, idle-host estimate {result.est_uncontended_train_s:.1f}s) total {result.total_s:.1f}s "
            f"grader {result.grader_s:.2f}s failed={failed}"
        )
        extra = {k2: round(v, 4) for k2, v in ev.metrics.items() if k2 not in (metric, baseline_key)}
        print(f"    metrics {extra}")
    print(f"  load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print("calibration OK" if ok else "calibration NOT met (expected for starters and bad cases)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
