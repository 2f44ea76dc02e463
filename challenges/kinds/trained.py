"""The ``trained`` kind: the learner's model is built and trained in the sandbox, predicts on
hidden inputs sent only after training, and is scored here against labels that never leave this
process.

Everything a trained challenge needs is declared in its TOML: the data generator and sizes, the
contract (how ``build_model``/``train``/the prediction are called and what ``train`` is given),
the metric and its threshold, the baseline, and the anti-cheat checks from ``challenges.checks``.
A challenge's ``hooks.py`` may add what is truly its own: ``transform_test(inputs, labels, rng)``
(extra hidden rows), ``align(pred, labels)`` (back to the labels' order) and
``extra_checks(raw_pred, labels, metrics) -> (checks, metrics)``.

Text challenges (``gives = "texts"``) have no ``build_model``: the learner's ``fit(texts, labels,
*args)`` returns its classifier, whatever it is (a module, or a tuple of a vocabulary and a
module), and ``predict(clf, texts)`` labels hidden texts; texts travel as JSON lists of strings,
bounded here. With ``builds = true`` a text challenge keeps the usual model contract instead:
``build_model(*args)`` makes the module, ``train(model, texts, labels, *args)`` trains it in
place, and ``predict(model, texts)`` labels hidden texts (a char-RNN classifier of words). A trained challenge may also declare ``[units]``: the challenge's
``hooks.calls(rng)`` run in the same job before training (the functions kind's calls) and
``hooks.judge(calls, results)`` adds its checks to the verdict, so one submission is graded on
its pipeline pieces and on what it learned; a unit call may name a scenario of the challenge's
``inside.py`` (for arguments JSON cannot carry, such as a tensor and a ``torch.Generator``).

``[data] test_params`` override the generator's params for the hidden split only (C7.3 lays it
out in fixed noise levels while training mixes them). A metric with parts (``psnr_gain``) reports
named figures beside its headline value, and ``[[metric.criteria]]`` put a threshold on each: one
verdict line per part, all of which must hold. Checks with a runner (``code_size``,
``decode_encode``) have their probes run through an autoencoder's ``encode``/``decode`` in the
sandbox instead of the prediction (``contract["probe_runs"]``).

A metric may have to beat the baseline as well as a fixed bar (``[metric] over_baseline``: edge F1
>= 0.85 and >= the Sobel oracle's F1 on the same split + 0.05; C9.3's learner >= scratch + 0.10):
a second check, ``<metric>_over_baseline``. A metric's ``details`` (precision, recall...) join the
figures, where the verdict lists them and declared diagnoses read them.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from challenges import baselines as baseline_registry
from challenges import checks as check_library
from challenges.catalogue import Case, Challenge, ChallengeSpec
from challenges.datagen import DATA_VERSION, GENERATORS
from challenges.errors import ExchangeError, PredictionError
from challenges.feedback.facts import MetricFacts
from challenges.kinds.base import Call, CallResult, Exchange, Message, RunRecord, SandboxPlan, Submission
from challenges.kinds.common import common_python_cases, require_array
from challenges.kinds.functions import call_messages, read_results
from challenges.kinds.pretrained import PretrainedName, opening_arrays, readable_adapted_facts, shipped_state
from challenges.kinds.registry import CommonCase, Kind, draw_seed
from challenges.metrics import METRICS
from challenges.pictures import image_grid_png
from challenges.verdict import Check, Evaluation, LayerRow, at_least, at_most, finite

INSIDE = "challenges.kinds.trained_inside"
FACTS_S = 10.0  # facts and weights after training: plain reads, no learner code should run long
START_S = 30.0  # from the job's start to the learner module's import (channel set-up, data transfer)
MAX_LOSSES = 20_000
# Bounds on what the sandbox reports (all of it forgeable): longer or stranger is not believed.
MAX_STEPS = 10**12
MAX_MODULE_TYPES = 200
MAX_PARAMETER_NAMES = 5000  # what the sandbox side sends at most
MAX_CLASS_NAMES = 100
MAX_NAME_CHARS = 1000
MAX_ERROR_CHARS = 300
FIT_PREFIX = "fit:"  # training rows predicted next to the hidden ones: the train metric (overfitting)
FIT_ROWS = 256
MAX_TRACE_ROWS = 64
MAX_TRACE_TEXT = 80
MAX_TEXT_CHARS = 2000  # one document given to a text challenge (generated ones are far shorter)
MAX_TEXTS_CHARS = 600_000  # all texts of one message: the channel's JSON header holds at most 1 MiB
CALLS_KEY = "_calls"  # unit calls ride with the training data


class DataConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    generator: str
    params: dict[str, Any] = Field(default_factory=dict)
    test_params: dict[str, Any] = Field(default_factory=dict)  # overrides for the hidden split (e.g. fixed noise levels)
    train_size: int = Field(ge=10, le=50_000)
    test_size: int = Field(ge=10, le=20_000)
    train_seed: int = Field(ge=0)


class BuildConfig(BaseModel):
    """How the model is made: ``build_model(*args)``, or, with ``pretrained``, the learner's
    ``function`` (e.g. ``adapt``) called as ``adapt(pretrained_network, *args)`` on a fresh copy of
    the shipped network (``challenges.pretrained``); the checks may then compare the trained
    weights with the shipped ones (``frozen_backbone``, ``backbone_drift``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    function: str = "build_model"
    args: list[Any] = Field(default_factory=list)
    pretrained: PretrainedName | None = None


class TrainConfig(BaseModel):
    """What ``train()`` is given: a loader of (x, y), the tensors themselves, an image folder, or
    texts.

    ``texts``: ``arrays`` = [texts, labels]; the learner's ``function`` (e.g. ``fit``) is called as
    ``fit(texts: list[str], labels: LongTensor, *args, time_budget_s=...)`` and returns the
    classifier; no ``build_model`` is called, and the prediction goes through the learner's
    function (``predict(clf, texts)``). With ``builds``, ``build_model`` makes the model first and
    the learner's ``function`` (``train``) trains it in place as ``train(model, texts, labels,
    *args, time_budget_s=...)``; the prediction is ``predict(model, texts)``.

    ``image_folder``: the sandbox side writes the training split as PNG files to
    ``<scratch>/images/{train,val}/{class}/`` (``arrays`` = [uint8 HWC pixels, labels],
    ``classes`` the folder name of each label, ``val_share`` of the split in ``val/``), calls the
    learner's ``loaders`` function on that root for ``(train_loader, val_loader, class_names)``,
    and trains on ``train_loader``; hidden test images later go through ``val_loader``'s own
    transform, as a learner's evaluation would."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    function: str = "train"
    gives: Literal["loader", "tensors", "image_folder", "texts"]
    arrays: list[str] = Field(min_length=1)
    args: list[Any] = Field(default_factory=list)  # texts: positional arguments after the arrays
    batch_size: int = Field(64, ge=1, le=4096)
    classes: list[str] = Field(default_factory=list)
    val_share: float = Field(0.2, ge=0.05, le=0.5)
    loaders: str = "make_loaders"
    builds: bool = False  # texts: build_model first, then train(model, texts, labels) trains it in place
    # A pretrained model's contract may name the learner's optimizer factory: the grader calls
    # ``make_optimizer(model)`` and trains with ``train(model, optimizer, loader, time_budget_s=...)``.
    optimizer: str | None = None

    @model_validator(mode="after")
    def _folder_named(self) -> TrainConfig:
        if self.gives == "image_folder" and (len(self.arrays) != 2 or len(set(self.classes)) < 2):
            raise ValueError("an image_folder names two arrays (pixels, labels) and at least two distinct classes")
        if self.gives == "texts" and len(self.arrays) != 2:
            raise ValueError("texts name two arrays (texts, labels)")
        if self.args and self.gives != "texts":
            raise ValueError("train args are for texts only (models take build args)")
        if self.builds and self.gives != "texts":
            raise ValueError("builds is for texts only (every other way of giving data builds the model)")
        if self.optimizer and self.gives != "loader":
            raise ValueError("an optimizer factory is for a loader-fed model")
        return self


class UnitsConfig(BaseModel):
    """Unit calls of the challenge's ``hooks.calls(rng)``, run before training in the same job."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    functions: list[str] = Field(min_length=1)  # the learner's functions they call (for the statement)


class PredictConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    via: Literal["model", "function"] = "model"
    function: str | None = None
    input: str
    output: Literal["argmax", "raw"] = "raw"
    batch_size: int = Field(250, ge=1, le=4096)

    @model_validator(mode="after")
    def _function_named(self) -> PredictConfig:
        if self.via == "function" and not self.function:
            raise ValueError("predict via a function names the function")
        return self


class CriterionConfig(BaseModel):
    """A threshold on one part of the metric (``[[metric.criteria]]``): its own verdict line, which
    must hold as well as the headline value (every noise level, clean inputs)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    part: str
    what: str | None = None
    at_least: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _one_threshold(self) -> CriterionConfig:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError(f"criterion {self.part!r} has exactly one of at_least / at_most")
        return self

    @property
    def threshold(self) -> float:
        return float(self.at_least if self.at_least is not None else self.at_most)  # type: ignore[arg-type]


class MetricConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    label: str
    what: str | None = None
    at_least: float | None = None
    at_most: float | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    criteria: list[CriterionConfig] = Field(default_factory=list)
    # Also pass only this far past the baseline's figure on the same split (e.g. scratch + 0.10).
    over_baseline: float | None = Field(None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _one_threshold(self) -> MetricConfig:
        if self.name not in METRICS:
            raise ValueError(f"unknown metric {self.name!r}; known: {', '.join(METRICS)}")
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("a metric has exactly one of at_least / at_most")
        if (self.at_least is not None) != METRICS[self.name].higher_is_better:
            raise ValueError(f"{self.name} is {'higher' if METRICS[self.name].higher_is_better else 'lower'}-is-better")
        if self.criteria:
            names = self.part_names()
            unknown = [c.part for c in self.criteria if c.part not in names]
            if not names or unknown:
                raise ValueError(f"criteria name parts of the metric ({', '.join(names) or f'{self.name} has none'}); "
                                 f"unknown: {', '.join(unknown)}")
        return self

    def part_names(self) -> list[str]:
        """The parts this metric reports with these params (none for a plain metric)."""
        metric = METRICS[self.name]
        try:
            return list(metric.part_names(self.params)) if metric.part_names else []
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{self.name} params: {exc}") from exc

    @property
    def threshold(self) -> float:
        return float(self.at_least if self.at_least is not None else self.at_most)  # type: ignore[arg-type]


class BaselineConfig(BaseModel):
    """``every_run``: fitted again for every grading with the run's own seed (design §2.3, C9.3's
    scratch baseline), instead of once per challenge version."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    params: dict[str, Any] = Field(default_factory=dict)
    every_run: bool = False

    @model_validator(mode="after")
    def _known(self) -> BaselineConfig:
        if self.name not in baseline_registry.BASELINES:
            raise ValueError(f"unknown baseline {self.name!r}; known: {', '.join(baseline_registry.BASELINES)}")
        return self


class CheckConfig(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    use: str
    name: str | None = None

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @property
    def label(self) -> str:
        return self.name or self.use

    @model_validator(mode="after")
    def _known(self) -> CheckConfig:
        if self.use not in check_library.CHECKS:
            raise ValueError(f"unknown check {self.use!r}; known: {', '.join(check_library.CHECKS)}")
        return self


class PictureConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = "predictions"
    rows: list[str] = Field(min_length=1)  # test arrays by name, or "pred"
    columns: int = Field(6, ge=1, le=12)


class TrainedConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    data: DataConfig
    build: BuildConfig = BuildConfig()
    train: TrainConfig
    predict: PredictConfig
    metric: MetricConfig
    baseline: BaselineConfig | None = None
    checks: list[CheckConfig] = Field(default_factory=list)
    picture: PictureConfig | None = None
    units: UnitsConfig | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TrainedConfig:
        if self.train.gives == "texts" and self.predict.via != "function":
            raise ValueError("a text classifier predicts via the learner's function (predict(clf, texts))")
        if self.data.generator not in GENERATORS:
            raise ValueError(f"unknown generator {self.data.generator!r}; known: {', '.join(GENERATORS)}")
        labels = {c.label for c in self.checks}
        if len(labels) != len(self.checks) or self.metric.name in labels:
            raise ValueError("checks need distinct names (set name = ... on repeated uses)")
        if self.train.optimizer and not self.build.pretrained:
            raise ValueError("[train] optimizer is part of a pretrained model's contract ([build] pretrained)")
        if self.metric.over_baseline is not None and self.baseline is None:
            raise ValueError("metric.over_baseline needs a [baseline]")
        return self

    def contract_json(self) -> dict[str, Any]:
        # Probes that run something other than the prediction (an autoencoder's encode/decode), by key.
        runs = {check_library.PROBE_PREFIX + c.label: {"run": check_library.CHECKS[c.use].runner, **c.params}
                for c in self.checks if check_library.CHECKS[c.use].runner}
        return {"build": self.build.model_dump(), "train": self.train.model_dump(), "predict": self.predict.model_dump(),
                "probe_runs": runs}


@cache
def _train_arrays(generator: str, n: int, seed: int, params_key: str) -> dict[str, np.ndarray]:
    """Training splits are fixed per challenge version: generated once per process."""
    import json

    return GENERATORS[generator](n, seed, **json.loads(params_key))


def folder_labels(train: TrainConfig, labels: np.ndarray) -> np.ndarray:
    """Labels as an image-folder model numbers them: ImageFolder indexes classes in sorted folder
    order, whatever order the generator uses (identity for the other ways of giving data)."""
    if train.gives != "image_folder":
        return labels
    order = sorted(train.classes)
    mapping = np.asarray([order.index(name) for name in train.classes], dtype=np.int64)
    return mapping[labels.astype(np.int64)]


def text_list(texts: np.ndarray) -> list[str]:
    """Texts as the channel carries them (JSON strings), bounded: generated data is far smaller."""
    out = [str(t) for t in np.asarray(texts).ravel().tolist()]
    if any(len(t) > MAX_TEXT_CHARS for t in out) or sum(map(len, out)) > MAX_TEXTS_CHARS:
        raise ValueError("texts larger than the channel carries: shrink the split")
    return out


def training_split(config: TrainedConfig) -> dict[str, np.ndarray]:
    import json

    data = config.data
    return _train_arrays(data.generator, data.train_size, data.train_seed, json.dumps(data.params, sort_keys=True))


class TrainedExchange(Exchange):
    def __init__(self, challenge: Challenge, config: TrainedConfig, submission: Submission, seed: int | None) -> None:
        self.challenge = challenge
        self.config = config
        self.submission = submission
        self.test_seed = draw_seed() if seed is None else seed
        # The run seed (init, shuffling) is drawn on its own: nothing the sandbox sees derives from the test seed.
        self.run_seed = draw_seed() % (1 << 63) if seed is None else seed % (1 << 31)
        self.facts: dict[str, Any] | None = None
        self.weights: dict[str, np.ndarray] = {}
        self.predictions: dict[str, Any] | None = None
        self.probes: dict[str, np.ndarray] = {}
        self.test: dict[str, np.ndarray] = {}
        self.labels: dict[str, Any] = {}
        self.losses: list[float] = []
        self.steps = 0
        self.trace: list[LayerRow] = []
        self.metric_facts: MetricFacts | None = None
        hooks = challenge.hooks
        self.unit_calls: list[Call] = []
        if config.units is not None and hooks is not None:
            import random

            self.unit_calls = list(hooks.calls(random.Random(self.run_seed ^ 0xCA11)))  # never from the test seed
        self.unit_results: dict[str, CallResult] | None = None

    @property
    def plan(self) -> SandboxPlan:
        lim = self.challenge.spec.limits
        phases = {"start": START_S, "load": lim.load_s}
        if self.unit_calls:  # phases only move forward: the unit calls come between loading and building
            phases["units"] = lim.call_s
        phases |= {"build": lim.build_s, "forward": lim.build_s, "train": lim.wall_s, "facts": FACTS_S,
                   "predict": lim.predict_s}
        params = {"contract": self.config.contract_json(), "run_seed": self.run_seed,
                  "time_budget_s": lim.train_budget_s}
        if self.unit_calls and self.challenge.inside_module:  # unit calls may run the challenge's scenarios
            params["inside"] = self.challenge.inside_module
        return SandboxPlan(
            entry=INSIDE, source=self.submission.source, filename=self.submission.filename, params=params,
            phases=phases, total_s=sum(phases.values()), memory_mb=lim.memory_mb, threads=lim.threads,
            device=self.challenge.spec.device,
        )

    def opening(self) -> list[Message]:
        train = training_split(self.config)
        payload: dict[str, Any] = {name: train[name] for name in self.config.train.arrays}
        if self.config.train.gives == "texts":
            payload[self.config.train.arrays[0]] = text_list(train[self.config.train.arrays[0]])
        if self.unit_calls:
            payload[CALLS_KEY] = call_messages(self.unit_calls)
        if self.config.build.pretrained:
            payload |= opening_arrays(self.config.build.pretrained)
        return [Message("train_data", payload)]

    def receive(self, message: Message) -> list[Message]:
        if message.kind == "trace" and not self.trace and self.facts is None:
            self.trace = _readable_trace(message.payload.get("rows"))
            return []
        if message.kind == "units" and self.unit_calls and self.unit_results is None and self.facts is None:
            self.unit_results = read_results(self.unit_calls, message.payload)
            return []
        if message.kind == "facts" and self.facts is None:
            return [self._on_facts(message.payload)]
        if message.kind == "predictions" and self.facts is not None and self.predictions is None:
            self.predictions = _readable_predictions(message.payload)
            self.finished = True
            return []
        raise ExchangeError(f"unexpected or repeated {str(message.kind)[:40]!r} message")

    def _on_facts(self, payload: Mapping[str, Any]) -> Message:
        if not payload or "module_types" not in payload:
            raise ExchangeError("an empty facts message")
        losses = payload.get("_losses")
        if isinstance(losses, np.ndarray) and losses.dtype.kind == "f":
            self.losses = [float(x) for x in losses.ravel()[:MAX_LOSSES].tolist()]  # NaN and inf kept: _divergence
        steps = payload.get("_steps", 0)
        self.steps = steps if type(steps) is int and 0 <= steps <= MAX_STEPS else 0
        self.weights = {k: v for k, v in payload.items() if k.startswith(check_library.WEIGHT_PREFIX) and isinstance(v, np.ndarray)}
        self.facts = _readable_facts(payload)
        return Message("test_inputs", self._test_inputs())

    def _test_inputs(self) -> dict[str, Any]:
        data = self.config.data
        self.test = GENERATORS[data.generator](data.test_size, self.test_seed, **(data.params | data.test_params))
        inputs: dict[str, Any] = {self.config.predict.input: self.test[self.config.predict.input]}
        self.labels = dict(self.test)
        label = self.config.metric.label
        self.labels[label] = folder_labels(self.config.train, np.asarray(self.labels[label]))
        hooks = self.challenge.hooks
        rng = np.random.default_rng(self.test_seed ^ 0x5EED)
        if hooks is not None and hasattr(hooks, "transform_test"):
            inputs, self.labels = hooks.transform_test(inputs, self.labels, rng)
        if hooks is None or not (hasattr(hooks, "transform_test") or hasattr(hooks, "align")):
            train = training_split(self.config)
            inputs[FIT_PREFIX + self.config.predict.input] = train[self.config.predict.input][:FIT_ROWS]
        if self.config.train.gives == "texts":
            inputs = {k: text_list(v) if isinstance(v, np.ndarray) and v.dtype.kind == "U" else v
                      for k, v in inputs.items()}
        for check in self.config.checks:
            maker = check_library.CHECKS[check.use].probes
            if maker is not None:
                for suffix, array in maker(check.params, self.test[self.config.predict.input], rng).items():
                    key = check_library.PROBE_PREFIX + check.label + suffix
                    self.probes[key] = inputs[key] = array
        return inputs

    def evaluate(self, run: RunRecord) -> Evaluation:
        config = self.config
        metric = METRICS[config.metric.name]
        what = config.metric.what or metric.what
        figures: dict[str, float] = self._baseline_figures()
        checks: list[Check] = []
        pred: np.ndarray | None = None
        parts: dict[str, float] = {}
        try:
            pred = self._aligned_prediction(metric.kinds)
            if metric.parts is not None:
                parts = metric.parts(pred, self.labels, figures, config.metric.params)
            value = metric.fn(pred, np.asarray(self.labels[config.metric.label]), figures | parts, config.metric.params)
            compare = at_least if metric.higher_is_better else at_most
            checks.append(compare(metric.name, value, config.metric.threshold, what))
            if metric.details is not None:
                figures.update(metric.details(pred, np.asarray(self.labels[config.metric.label])))
            checks += self._criteria_checks(parts)
            if config.metric.over_baseline is not None:
                checks.append(_over_baseline(metric.name, value, figures, config))
        except PredictionError as exc:
            value = float("nan")
            checks.append(Check(metric.name, False, f"no usable predictions: {exc}", None, config.metric.threshold,
                                advice=_prediction_advice(str(exc))))
            checks += [Check(c.part, False, "no usable predictions", None, c.threshold) for c in config.metric.criteria]
        metrics = {metric.name: value, **figures, **parts}
        hooks = self.challenge.hooks
        if self.unit_calls and hooks is not None:
            results = self.unit_results or {c.id: CallResult(error="the unit calls did not run") for c in self.unit_calls}
            checks += list(hooks.judge(self.unit_calls, results))
        if hooks is not None and hasattr(hooks, "extra_checks") and pred is not None and self.predictions:
            extra_checks, extra_metrics = hooks.extra_checks(self.predictions["pred"], self.labels, metrics)
            checks += extra_checks
            metrics.update(extra_metrics)
        reference = shipped_state(config.build.pretrained) if config.build.pretrained else {}
        evidence = check_library.RunEvidence(self.facts or {}, self.weights, self.predictions or {}, self.probes,
                                             reference)
        for check in config.checks:
            entry = check_library.CHECKS[check.use]
            result = entry.run(check.label, check.params, evidence)
            if not result.passed and not result.advice and entry.advice:
                result = replace(result, advice=entry.advice)
            checks.append(result)
            if entry.reports_metric and isinstance(result.value, float):  # for the challenge's [[diagnoses]]
                metrics[check.label] = result.value
        if pred is not None:
            self.metric_facts = self._metric_facts(metric, value, figures)
        if self.weights:
            metrics["n_params"] = float(check_library.count_parameters(evidence))
        metrics["steps"] = float(self.steps)
        return Evaluation(
            checks=checks, metrics={k: finite(v) for k, v in metrics.items()},
            score=self._score(value, figures), tier=None, pictures=self._pictures(pred),
        )

    def _criteria_checks(self, parts: Mapping[str, float]) -> list[Check]:
        """One line per criterion on a part of the metric (each noise level, clean inputs)."""
        metric = METRICS[self.config.metric.name]
        params = self.config.metric.params
        out = []
        for criterion in self.config.metric.criteria:
            what = criterion.what or (metric.describe_part(criterion.part, params) if metric.describe_part
                                      else criterion.part)
            compare = at_least if criterion.at_least is not None else at_most
            out.append(compare(criterion.part, float(parts.get(criterion.part, float("nan"))), criterion.threshold, what))
        return out

    def _metric_facts(self, metric: Any, value: float, figures: Mapping[str, float]) -> MetricFacts:
        """The metric against what it means: chance (always the most common label), the baseline
        on the same split, and the same model on a slice of its own training data."""
        config = self.config
        label = np.asarray(self.labels[config.metric.label])
        chance = train_value = None
        if label.dtype.kind in "iub" and label.size:
            values, counts = np.unique(label, return_counts=True)
            with contextlib.suppress(Exception):
                chance = float(metric.fn(np.full_like(label, values[counts.argmax()]), label, figures,
                                         config.metric.params))
        fit = (self.predictions or {}).get(FIT_PREFIX + config.predict.input)
        if isinstance(fit, np.ndarray) and metric.parts is None:  # parts are laid out on the hidden split only
            train = training_split(config)
            truth = folder_labels(config.train, np.asarray(train[config.metric.label][:FIT_ROWS]))
            with contextlib.suppress(Exception):
                fit = require_array({"pred": fit}, "pred", tuple(truth.shape), metric.kinds)
                train_value = float(metric.fn(fit, truth, figures, config.metric.params))
        baseline = figures.get(f"baseline_{metric.name}")
        if baseline is None and metric.name == "mse_ratio" and "blur_mse" in figures:
            baseline = 1.0  # the ratio is to the baseline's own error
        return MetricFacts(metric.name, config.metric.what or metric.what, float(value), config.metric.threshold,
                           metric.higher_is_better, None if baseline is None else float(baseline),
                           config.baseline.name if config.baseline else None, chance,
                           train_value if train_value is None or math.isfinite(train_value) else None)

    def run_facts(self) -> dict[str, Any]:
        lim = self.challenge.spec.limits
        predict = self.config.predict
        return {"metric": self.metric_facts, "steps": self.steps, "budget_s": lim.train_budget_s,
                "hard_limit_s": lim.wall_s, "memory_mb": lim.memory_mb, "trace": list(self.trace),
                "predict_function": predict.function if predict.via == "function" else None}

    def _aligned_prediction(self, kinds: str) -> np.ndarray:
        if self.predictions is None:
            raise PredictionError("the sandbox returned no predictions")
        pred = self.predictions.get("pred")
        hooks = self.challenge.hooks
        label = np.asarray(self.labels[self.config.metric.label])
        if hooks is not None and hasattr(hooks, "align"):
            raw = require_array({"pred": pred}, "pred", (None, *label.shape[1:]), kinds)
            pred = hooks.align(raw, self.labels)
        return require_array({"pred": pred}, "pred", tuple(label.shape), kinds)

    def _baseline_figures(self) -> dict[str, float]:
        baseline = self.config.baseline
        if baseline is None or not self.test:
            return {}
        entry = baseline_registry.BASELINES[baseline.name]
        if baseline.every_run and entry.fit is not None:  # trained again with this run's seed, never cached
            params = {**baseline.params, "seed": self.run_seed % (1 << 31)}
            return entry.score(entry.fit(training_split(self.config), params), self.test, params)
        key = (self.challenge.id, str(DATA_VERSION), str(self.config.data.train_seed), baseline.name)
        state = baseline_registry.fitted(entry, key, lambda: training_split(self.config), baseline.params)
        return entry.score(state, self.test, baseline.params)

    def _score(self, value: float, figures: Mapping[str, float]) -> float:
        if not math.isfinite(value):
            return 0.0
        return value if METRICS[self.config.metric.name].higher_is_better else max(0.0, 1.0 - value)

    def _pictures(self, pred: np.ndarray | None) -> dict[str, bytes]:
        picture = self.config.picture
        if picture is None or pred is None or pred.ndim != 4:
            return {}
        rows = [(name, pred if name == "pred" else np.asarray(self.labels.get(name))) for name in picture.rows]
        if any(r.ndim != 4 for _, r in rows):
            return {}
        return {picture.name: image_grid_png([("yours" if n == "pred" else n, r[: picture.columns]) for n, r in rows],
                                             columns=picture.columns)}


def _over_baseline(name: str, value: float, figures: Mapping[str, float], config: TrainedConfig) -> Check:
    """The metric against the baseline's figure on the same split, plus the declared margin."""
    margin = float(config.metric.over_baseline or 0.0)
    baseline = figures.get(f"baseline_{name}")
    label = f"{name}_over_baseline"
    what = config.baseline.name if config.baseline else "the baseline"
    if baseline is None or not math.isfinite(baseline):
        return Check(label, False, f"no {what} figure to compare with", None, None)
    need = baseline + margin if METRICS[name].higher_is_better else baseline - margin
    check = (at_least if METRICS[name].higher_is_better else at_most)(
        label, value, need, f"{name} vs {what} ({baseline:.4g}) + {margin:g}:")
    return check


def _names(value: Any, most: int) -> list[str] | None:
    """A reported list of names, or None when it is not one the sandbox side could have sent."""
    if not isinstance(value, list) or len(value) > most:
        return None
    if not all(isinstance(n, str) and len(n) <= MAX_NAME_CHARS for n in value):
        return None
    return value


def _readable_facts(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The facts the checks read, each of the type they expect; a forged or absurd one is absent."""
    facts: dict[str, Any] = {"bidirectional_rnn": payload.get("bidirectional_rnn") is True}
    for key, most in (("module_types", MAX_MODULE_TYPES), ("parameter_names", MAX_PARAMETER_NAMES),
                      ("recurrent_modules", MAX_MODULE_TYPES), ("stepwise_modules", MAX_MODULE_TYPES)):
        names = _names(payload.get(key), most)
        if names is not None:
            facts[key] = names
    classes = _names(payload.get("class_names"), MAX_CLASS_NAMES)
    if classes is not None:
        facts["class_names"] = classes
    observed = payload.get("n_params")
    if isinstance(observed, int) and not isinstance(observed, bool) and 0 <= observed < 10**15:
        facts["n_params"] = observed
    facts.update(readable_adapted_facts(payload))
    return facts


def _prediction_advice(problem: str) -> str:
    if "NaN" in problem or "infinity" in problem:
        return ("NaN or infinite outputs come from a diverged model (a learning rate too high, a log or a division "
                "of zero in forward): print the loss each epoch and check torch.isfinite(model(x)).all().")
    if "dtype" in problem:
        return ("Return the dtype the contract names: a boolean mask comes from a comparison, e.g. "
                "torch.sigmoid(logits) > 0.5, and class indices from logits.argmax(1).")
    if "shape" in problem:
        return ("Return exactly one prediction per hidden input, in the contract's shape: print model(x).shape for "
                "a batch shaped like the training inputs and compare it with the contract.")
    return "Return a tensor (or numpy array) of numbers from the prediction, one row per input."


def _readable_trace(rows: Any) -> list[LayerRow]:
    """The shape table as the sandbox sent it, if it is one: bounded rows of short texts."""
    if not isinstance(rows, list):
        return []
    out = []
    for row in rows[:MAX_TRACE_ROWS]:
        if not isinstance(row, dict):
            return []
        texts = [row.get(k) for k in ("layer", "type", "input")]
        output, params = row.get("output"), row.get("params")
        if not all(isinstance(t, str) for t in texts) or not (output is None or isinstance(output, str)):
            return []
        if type(params) is not int or not 0 <= params < 10**12:
            return []
        layer, kind, given = (str(t)[:MAX_TRACE_TEXT] for t in texts)
        out.append(LayerRow(layer, kind, given, None if output is None else output[:MAX_TRACE_TEXT], params))
    return out


def _readable_predictions(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Predictions as the evaluation reads them: arrays (checked again where used), booleans,
    short error texts. Anything else (a list for ``pred``, a number, a dict) is dropped, so it
    reads as missing."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if isinstance(value, (np.ndarray, bool)):
            out[key] = value
        elif key.endswith(":error") and isinstance(value, str):
            out[key] = value[:MAX_ERROR_CHARS]
    return out


class TrainedKind(Kind):
    name = "trained"
    inside_modules = (INSIDE, "challenges.kinds.functions_inside")

    def check_folder(self, challenge: Challenge) -> None:
        hooks = challenge.hooks
        if challenge.config.units is not None and (
                hooks is None or not callable(getattr(hooks, "calls", None)) or not callable(getattr(hooks, "judge", None))):
            raise ValueError("a trained challenge with [units] has hooks.py with calls(rng) and judge(calls, results)")

    def validate(self, spec: ChallengeSpec) -> TrainedConfig:
        if not spec.python_file:
            raise ValueError("a trained challenge takes one Python file")
        config = TrainedConfig(**spec.sections)
        if spec.tiers is not None and spec.tiers.metric != config.metric.name:
            raise ValueError(f"tiers are on {spec.tiers.metric!r}, the metric is {config.metric.name!r}")
        return config

    def exchange(self, challenge: Challenge, submission: Submission, *, seed: int | None = None) -> TrainedExchange:
        return TrainedExchange(challenge, challenge.config, submission, seed)

    def pass_lines(self, challenge: Challenge) -> list[str]:
        config: TrainedConfig = challenge.config
        metric = METRICS[config.metric.name]
        op = ">=" if metric.higher_is_better else "<="
        lines = [f"{config.metric.what or metric.what} {op} {config.metric.threshold:g}"]
        for criterion in config.metric.criteria:
            what = criterion.what or (metric.describe_part(criterion.part, config.metric.params)
                                      if metric.describe_part else criterion.part)
            lines.append(f"{what} {'>=' if criterion.at_least is not None else '<='} {criterion.threshold:g}")
        if config.metric.over_baseline is not None and config.baseline is not None:
            lines.append(f"{config.metric.what or metric.what} {op} the {config.baseline.name} baseline's "
                         f"{'+' if metric.higher_is_better else '-'} {config.metric.over_baseline:g}")
        for check in config.checks:
            text = check_library.CHECKS[check.use].describe(check.params)
            lines.append(text or check.label)
        return lines

    def common_cases(self, challenge: Challenge) -> list[CommonCase]:
        config: TrainedConfig = challenge.config
        predict = config.predict.function if config.predict.via == "function" else None
        build = None if config.train.gives == "texts" and not config.train.builds else config.build.function
        return common_python_cases(challenge, build=build, train=config.train.function, predict=predict)


__all__ = ["Case", "TrainedConfig", "TrainedExchange", "TrainedKind", "UnitsConfig", "text_list"]
