"""Named rules over a trained run's facts: what the loss, the clock and the metric say.

Every rule returns a ``Diagnosis`` only when its evidence holds, with the numbers in the sentence
and one next step. Rules read facts only (no learner text), so their sentences are ours.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from challenges.feedback.facts import TAIL, RunFacts
from challenges.verdict import Diagnosis

Rule = Callable[[RunFacts], Diagnosis | None]

EARLY_SHARE = 0.3  # train() returned before this share of its budget: "stopped early"
SPARE_SHARE = 0.5  # a passing run that used less than this has time to spare
MIN_LOSSES = 8  # a loss verdict needs at least this many recorded steps
FLAT_DROP = 0.05  # the loss fell by less than this share from the start to the end: "flat"
STEEP_DROP = 0.10  # the loss still fell by more than this share over the last fifth: "still falling"
EXPLODE_FACTOR = 3.0  # the end's loss over the start's: "exploding"
CHANCE_SLACK = 0.03  # within this of the chance level counts as chance
OVERFIT_GAP = 0.15  # training split this much better than the hidden split
NEAR_SHARE = 0.1  # within this share of the pass mark: "close"


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _n(x: float) -> str:
    return f"{x:.3g}"


def stopped_early(f: RunFacts) -> Diagnosis | None:
    if f.train_s is None or not f.budget_s or f.status not in ("passed", "failed"):
        return None
    used = f.train_s / f.budget_s
    steps = f" and {f.steps} optimizer steps" if f.steps else ""
    if not f.passed and used < EARLY_SHARE and not f.loss_settled():
        return Diagnosis("stopped_early", "actionable",
                         f"train() returned after {f.train_s:.1f} s{steps}, {_pct(used)} of its {f.budget_s:.0f} s budget.",
                         "Train for longer: keep looping over epochs until about 0.8 x time_budget_s has passed "
                         "(check time.monotonic() once per batch), instead of a fixed small number of epochs.")
    if f.passed and used < SPARE_SHARE:
        return Diagnosis("time_to_spare", "informative",
                         f"You used {f.train_s:.1f} s of the {f.budget_s:.0f} s budget{steps}.",
                         "There is room for a bigger model or more epochs if you want a higher tier.")
    return None


def loss_flat(f: RunFacts) -> Diagnosis | None:
    if f.passed or len(f.finite_losses) < MIN_LOSSES or len(f.finite_losses) < len(f.losses):
        return None
    first, last = f.loss_window(0.0, 0.1), f.loss_window(1 - TAIL / 2, 1.0)
    if first is None or last is None or first <= 0:
        return None
    drop = 1 - last / first
    if drop >= FLAT_DROP:
        return None
    if f.steps == 0:
        return Diagnosis("optimizer_not_stepping", "essential",
                         f"loss.backward() ran {len(f.losses)} times but optimizer.step() never did; the loss stayed at {_n(first)}.",
                         "Call optimizer.step() after loss.backward() on every batch (and optimizer.zero_grad() before).")
    return Diagnosis("loss_flat", "essential",
                     f"The training loss barely moved: {_n(first)} at the start, {_n(last)} at the end of "
                     f"{len(f.losses)} steps ({_pct(max(drop, 0.0))} lower).",
                     "Check that the optimizer holds model.parameters(), that optimizer.zero_grad(), loss.backward() "
                     "and optimizer.step() all run each batch, and that the learning rate is not tiny (Adam: 1e-3).")


def loss_exploding(f: RunFacts) -> Diagnosis | None:
    if f.passed or len(f.losses) < 2:
        return None
    bad = next((i for i, x in enumerate(f.losses) if not math.isfinite(x)), None)
    if bad is not None:
        return Diagnosis("loss_diverged", "actionable",
                         f"The loss became {f.losses[bad]} at step {bad + 1} of {len(f.losses)}: training diverged.",
                         "Lower the learning rate 10x, or clip gradients with torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).")
    first, last = f.loss_window(0.0, 0.1), f.loss_window(1 - TAIL / 2, 1.0)
    if len(f.losses) >= MIN_LOSSES and first and last and first > 0 and last > EXPLODE_FACTOR * first:
        return Diagnosis("loss_exploding", "actionable",
                         f"The loss grew from {_n(first)} to {_n(last)} over {len(f.losses)} steps.",
                         "The learning rate is too high for this model: lower it 10x (or add a short warm-up).")
    return None


def still_falling(f: RunFacts) -> Diagnosis | None:
    if f.passed or len(f.finite_losses) < 5 * MIN_LOSSES // 2:
        return None
    before, end = f.loss_window(1 - 2 * TAIL, 1 - TAIL), f.loss_window(1 - TAIL, 1.0)
    if before is None or end is None or before <= 0:
        return None
    drop = 1 - end / before
    if drop <= STEEP_DROP or f.loss_settled():  # small losses wobble by large shares: not the story
        return None
    return Diagnosis("still_improving", "actionable",
                     f"The loss was still falling steeply when training ended: {_pct(drop)} lower over the last fifth "
                     f"of {len(f.losses)} steps ({_n(before)} -> {_n(end)}).",
                     "Learn faster within the budget: use Adam (lr 1e-3 to 1e-2), larger batches per step, or "
                     "downsample early so each step is cheaper; or train for more of the budget.")


def at_chance(f: RunFacts) -> Diagnosis | None:
    m = f.metric
    if f.passed or m is None or m.chance is None or not math.isfinite(m.value):
        return None
    if m.better(m.value, m.chance) > CHANCE_SLACK:
        return None
    return Diagnosis("at_chance", "essential",
                     f"{m.what} is {_n(m.value)}, what always answering the most common label scores ({_n(m.chance)}): "
                     "the model has learned nothing usable from the inputs.",
                     "Check that the model sees the inputs and the loss sees the right labels; print the loss each "
                     "epoch, and look at a few predictions: are they all the same class?")


def below_baseline(f: RunFacts) -> Diagnosis | None:
    m = f.metric
    if f.passed or m is None or m.baseline is None or not math.isfinite(m.value):
        return None
    if m.better(m.value, m.baseline) > 0:
        return None
    name = m.baseline_name or "baseline"
    return Diagnosis("below_baseline", "actionable",
                     f"{m.what} is {_n(m.value)}, no better than the grader's {name} baseline ({_n(m.baseline)}), "
                     "which trains no network at all.",
                     "Your network must learn what the baseline cannot: the challenge's first hint says what that is.")


def overfitting(f: RunFacts) -> Diagnosis | None:
    m = f.metric
    if f.passed or m is None or m.train_value is None or not math.isfinite(m.value):
        return None
    if m.higher_is_better:
        big = m.train_value - m.value > OVERFIT_GAP
    else:  # errors (lower is better): the hidden split's is much larger, relatively
        big = m.train_value > 0 and m.value > (1 + 3 * OVERFIT_GAP) * m.train_value
    if not big:
        return None
    return Diagnosis("overfitting", "actionable",
                     f"On training images the model scores {_n(m.train_value)}, on unseen ones {_n(m.value)}: it "
                     "memorises the training set instead of learning the task.",
                     "Use a smaller model, weight decay (AdamW), data augmentation or fewer epochs; and make sure "
                     "BatchNorm/Dropout layers are used as in training (model.train() while training).")


def near_pass(f: RunFacts) -> Diagnosis | None:
    m = f.metric
    if f.passed or m is None or not math.isfinite(m.value) or m.threshold == 0:
        return None
    short = -m.better(m.value, m.threshold)
    if not 0 < short <= NEAR_SHARE * abs(m.threshold):
        return None
    return Diagnosis("close_to_pass", "informative",
                     f"{m.what} {_n(m.value)} is {_n(short)} short of the pass mark {_n(m.threshold)}.",
                     "A small change may do: a few more epochs, a slightly higher learning rate or a wider layer.")


def passed_with_margin(f: RunFacts) -> Diagnosis | None:
    m = f.metric
    if not f.passed or m is None or not math.isfinite(m.value):
        return None
    margin = m.better(m.value, m.threshold)
    return Diagnosis("passed_with_margin", "celebratory",
                     f"{m.what} {_n(m.value)} against a pass mark of {_n(m.threshold)}: a margin of {_n(margin)}"
                     + (f", and {_n(m.better(m.value, m.baseline))} better than the {m.baseline_name or 'baseline'}."
                        if m.baseline is not None else "."),
                     "Try the next challenge of this competency, or push for a higher tier.")


RUN_RULES: tuple[Rule, ...] = (
    loss_flat, loss_exploding, at_chance, stopped_early, still_falling, below_baseline, overfitting,
    near_pass, passed_with_margin,
)


def run_diagnoses(facts: RunFacts) -> list[Diagnosis]:
    return [d for rule in RUN_RULES if (d := rule(facts)) is not None]
