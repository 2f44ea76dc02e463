"""Trusted half of `bilstm-future-context` (C6.2): data, hidden test split, baseline and checks.

Tags depend on the token two steps ahead (x[t+2] < 5), so a causal tagger tops out near 0.55 and a
bidirectional one reaches ~1.0. Pass = per-token accuracy >= 0.90, a bidirectional
``nn.LSTM``/``nn.GRU``/``nn.RNN`` that actually runs in ``predict``, and >= 0.85 agreement between
predictions on the test sequences and on copies whose tokens after t+2 were redrawn (at positions
t the redraw cannot affect). The copies are shuffled in among the originals. The uni-directional
LSTM baseline (§2.3) is computed on the same hidden split and cached per challenge version.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from challenges import baselines
from challenges.base import Check, Evaluation, Payload, PredictionError, require_array
from challenges.datagen import DATA_VERSION, make_tagging, randomise_future, tagging_labels
from challenges.grading import at_least, conclude, fact_bool, fact_shape, load_spec

FOLDER = Path(__file__).parent
N_TRAIN = 4000
N_TEST = 1000
SEQ_LEN = 20
VOCAB = 10
NUM_TAGS = 2


class BiLSTMFutureContextGrader:
    def training_data(self, seed: int) -> Payload:
        x, y = make_tagging(N_TRAIN, seed)
        return {"X": x, "Y": y, "seed": seed}

    def test_data(self, seed: int) -> tuple[Payload, Payload]:
        x, y = make_tagging(N_TEST, seed)
        x_future, pivot = randomise_future(x, seed)
        both = np.concatenate([x, x_future])
        perm = np.random.default_rng([seed, 0x70657266]).permutation(len(both))
        labels: Payload = {
            "Y": y,
            "Y_future": tagging_labels(x_future),
            "pivot": pivot,
            "perm": perm,
            "baseline_accuracy": self.baseline(seed),
        }
        return {"X": both[perm]}, labels

    def baseline(self, test_seed: int) -> float:
        """Causal LSTM accuracy on this test split, trained on the challenge's training split."""
        spec = load_spec(FOLDER)
        assert spec.seeds is not None
        train_seed = spec.seeds.train
        key = f"unidirectional-lstm/v{DATA_VERSION}/train={train_seed}/test={test_seed}"

        def compute() -> float:
            xtr, ytr = make_tagging(N_TRAIN, train_seed)
            xte, yte = make_tagging(N_TEST, test_seed)
            return baselines.unidirectional_lstm(xtr, ytr, xte, yte, VOCAB, NUM_TAGS)

        return baselines.cached(FOLDER, key, compute)

    def evaluate(
        self,
        predictions: Payload,
        labels: Payload,
        facts: Mapping[str, Any],
        thresholds: Mapping[str, Any],
    ) -> Evaluation:
        y = np.asarray(labels["Y"])
        pivot = np.asarray(labels["pivot"])
        perm = np.asarray(labels["perm"])
        n = len(y)
        min_acc = float(thresholds.get("accuracy", 0.90))
        min_agree = float(thresholds.get("agreement", 0.85))
        checks: list[Check] = []
        try:
            tags = require_array(predictions, "tags", (2 * n, SEQ_LEN), kinds="fiub")
            unshuffled = np.empty_like(tags)
            unshuffled[perm] = tags
            tags_orig, tags_future = unshuffled[:n], unshuffled[n:]
            accuracy = float((tags_orig == y).mean())
            kept = np.arange(SEQ_LEN)[None, :] <= pivot[:, None]
            agreement = float((tags_orig == tags_future)[kept].mean())
            future_accuracy = float((tags_future == np.asarray(labels["Y_future"])).mean())
            checks.append(at_least("accuracy", accuracy, min_acc, "per-token test accuracy"))
        except PredictionError as exc:
            accuracy = agreement = future_accuracy = 0.0
            checks.append(Check("accuracy", False, f"no usable predictions: {exc}", None, min_acc))
        has_bi, ran = fact_bool(facts, "bidirectional"), fact_bool(facts, "bidirectional_ran")
        if has_bi and ran:
            message = "the model has a bidirectional RNN and predict() runs it"
        elif has_bi:
            message = "the model has a bidirectional RNN, but predict() never ran it"
        else:
            message = "no nn.LSTM / nn.GRU / nn.RNN with bidirectional=True in the model"
        checks.append(Check("bidirectional", has_bi and ran, message))
        checks.append(
            at_least(
                "future_agreement",
                agreement,
                min_agree,
                "agreement when tokens after t+2 are redrawn",
            )
        )
        shape = fact_shape(facts, "probe_shape")
        shape_ok = shape == [3, SEQ_LEN]
        error = facts.get("probe_error")
        checks.append(
            Check(
                "output_shape",
                shape_ok,
                f"predict() on a batch of 3 returned shape {shape}"
                + ("" if shape_ok else f", expected [3, 20]{f' ({error})' if isinstance(error, str) else ''}"),
                str(shape),
                "[3, 20]",
            )
        )
        metrics = {
            "accuracy": accuracy,
            "future_agreement": agreement,
            "future_copy_accuracy": future_accuracy,
            "baseline_accuracy": float(labels.get("baseline_accuracy", float("nan"))),
        }
        spec = load_spec(FOLDER)
        return conclude(checks, metrics, score=accuracy, primary=accuracy, tiers=spec.tiers)


GRADER = BiLSTMFutureContextGrader()
