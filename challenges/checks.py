"""The shared anti-cheat kit (design §2.9) as named checks a ``trained`` challenge lists in TOML.

Each check declares its evidence. ``trusted`` ones are computed here from what came back and can
only be faked by a model that really behaves that way: shapes and determinism of outputs on probe
batches the trusted side made after training (of another batch size, or another image size for
the fully-convolutional probe), and parameter counts from the weights returned as plain arrays.
``sandbox-observed`` ones (module types, a bidirectional or any recurrent layer that ran) were seen next to learner
code and can be forged; they can fail a submission, never pass one alone.

A check's probes normally go through the learner's prediction; a check with a ``runner`` asks the
sandbox side for something else on its probes (``codec``: an autoencoder's ``encode``/``decode``,
its forward and its prediction), so that the size of the code and ``forward = decode(encode(x))``
are judged here on batches the model never saw, of other sizes than the training batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from challenges.verdict import OBSERVED, TRUSTED, Check, Evidence, at_most

PROBE_PREFIX = "probe:"
WEIGHT_PREFIX = "w:"
BUFFER_SUFFIXES = ("running_mean", "running_var", "num_batches_tracked")
MAX_ERROR_CHARS = 300  # of an error text reported from the sandbox, in a check's message


@dataclass(frozen=True)
class RunEvidence:
    """What the trusted side holds about one trained run, for the checks to read."""

    facts: Mapping[str, Any]  # plain values reported from the sandbox
    weights: Mapping[str, np.ndarray]  # the state_dict, returned as arrays
    predictions: Mapping[str, Any]  # the prediction and each probe's raw output
    probes: Mapping[str, np.ndarray]  # what was sent as each probe
    reference: Mapping[str, np.ndarray] = field(default_factory=dict)  # a pretrained model's shipped state_dict


ProbeMaker = Callable[[Mapping[str, Any], np.ndarray, np.random.Generator], dict[str, np.ndarray]]
CheckFn = Callable[[str, Mapping[str, Any], RunEvidence], Check]


@dataclass(frozen=True)
class CheckDef:
    evidence: Evidence
    run: CheckFn
    probes: ProbeMaker | None = None
    describe: Callable[[Mapping[str, Any]], str] = lambda p: ""
    advice: str = ""  # the next step when the check fails
    runner: str = ""  # what the sandbox side runs on the probes ("": the prediction; "codec": encode/decode)
    reports_metric: bool = False  # its value joins the run's metrics under its name (for [[diagnoses]])


def _names(types: list[str]) -> str:
    return " or ".join(f"nn.{t}" for t in types)


def _module_types(name: str, params: Mapping[str, Any], ev: RunEvidence) -> Check:
    wanted = [str(t) for t in params.get("any_of", [])]
    seen = ev.facts.get("module_types")
    found = isinstance(seen, list) and any(t in seen for t in wanted)
    message = f"the model contains {_names(wanted)}" if found else f"the model must contain at least one {_names(wanted)}"
    return Check(name, found, message, evidence=OBSERVED)


def count_parameters(ev: RunEvidence) -> int:
    """Parameters in the returned weights (buffers such as BatchNorm's running statistics excluded)."""
    named = ev.facts.get("parameter_names")
    names = set(named) if isinstance(named, list) and all(isinstance(n, str) for n in named) else None
    total = 0
    for key, array in ev.weights.items():
        param = key.removeprefix(WEIGHT_PREFIX)
        if names is not None and param not in names:
            continue
        if names is None and (param.endswith(BUFFER_SUFFIXES) or array.dtype.kind != "f"):
            continue
        total += int(array.size)
    return total


def _max_params(name: str, params: Mapping[str, Any], ev: RunEvidence) -> Check:
    limit = int(params["at_most"])
    if not ev.weights:
        observed = ev.facts.get("n_params")
        if isinstance(observed, int) and not isinstance(observed, bool) and observed > limit:
            return Check(name, False, f"the model has {observed:,} parameters, far over {limit:,}: too large to return "
                         "its weights", float(min(observed, 10**15)), limit, OBSERVED)
        return Check(name, False, "no weights came back from the sandbox", None, limit)
    return at_most(name, count_parameters(ev), limit, "parameters")


def _probe_input(params: Mapping[str, Any], test_input: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    batch = int(params.get("batch", 3))
    if test_input.dtype.kind in "iu":  # tokens: real rows, so every id is in range
        return test_input[rng.choice(len(test_input), size=batch)]
    shape = list(test_input.shape[1:])
    if "size" in params:
        shape[-2:] = [int(v) for v in params["size"]]
    return rng.random((batch, *shape), dtype=np.float32)


def _shape_probe(params: Mapping[str, Any], test_input: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"": _probe_input(params, test_input, rng)}


def _twin_probe(params: Mapping[str, Any], test_input: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    x = _probe_input(params, test_input, rng)
    return {":a": x, ":b": x.copy()}


def _expected_shape(pattern: list[Any], probe: np.ndarray) -> list[str]:
    dims = {"N": probe.shape[0], "T": probe.shape[1] if probe.ndim > 1 else 0,
            "H": probe.shape[-2] if probe.ndim >= 3 else 0, "W": probe.shape[-1] if probe.ndim >= 3 else 0}
    return [str(dims[p]) if p in dims else str(p) for p in pattern]


def _shape_matches(shape: tuple[int, ...], expected: list[str]) -> bool:
    if len(shape) != len(expected):
        return False
    for got, want in zip(shape, expected, strict=True):
        if want.endswith("+") and want[:-1].isdigit():
            if got < int(want[:-1]):
                return False
        elif str(got) != want:
            return False
    return True


def _probe_output(name: str, ev: RunEvidence, suffix: str = "") -> tuple[Any, str | None]:
    key = PROBE_PREFIX + name + suffix
    error = ev.predictions.get(key + ":error")
    return ev.predictions.get(key), error[:MAX_ERROR_CHARS] if isinstance(error, str) else None


def _probe_shape(name: str, params: Mapping[str, Any], ev: RunEvidence) -> Check:
    probe = ev.probes[PROBE_PREFIX + name]
    expected = _expected_shape(list(params["expect"]), probe)
    out, error = _probe_output(name, ev)
    what = f"output for a probe batch of shape {list(probe.shape)}"
    pretty = "[" + ", ".join(expected) + "]"
    if not isinstance(out, np.ndarray):
        reason = f" ({error})" if error else ""
        return Check(name, False, f"{what}: the model failed{reason}; expected {pretty}", None, pretty)
    ok = _shape_matches(tuple(out.shape), expected)
    message = f"{what} is {list(out.shape)}" + ("" if ok else f", expected {pretty}")
    return Check(name, ok, message, str(list(out.shape)), pretty)


def _eval_deterministic(name: str, params: Mapping[str, Any], ev: RunEvidence) -> Check:
    a, error_a = _probe_output(name, ev, ":a")
    b, error_b = _probe_output(name, ev, ":b")
    if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray):
        return Check(name, False, f"the model failed on the determinism probe ({error_a or error_b})")
    same = a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))
    message = ("two forward passes in eval mode agree" if same else
               "two forward passes in eval mode differ: is dropout or a random op active in eval()?")
    return Check(name, same, message)


def _bidirectional_rnn(name: str, params: Mapping[str, Any], ev: RunEvidence) -> Check:
    has_bi = ev.facts.get("bidirectional_rnn") is True
    ran = ev.predictions.get("bidirectional_ran") is True
    if has_bi and ran:
        message = "the model has a bidirectional RNN and the prediction runs it"
    elif has_bi:
        message = "the model has a bidirectional RNN, but the prediction never ran it"
    else:
        message = "no nn.LSTM / nn.GRU / nn.RNN with bidirectional=True in the model"
    return Check(name, has_bi and ran, message, evidence=OBSERVED)


def _listed(ev: RunEvidence, key: str) -> list[str]:
    value = ev.facts.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


def _recurrent(name: str, params: Mapping[str, Any], ev: RunEvidence) -> Check:
    """A recurrent layer (nn.RNN/LSTM/GRU or a cell) that the prediction runs; with ``stepwise``
    also a module of the learner's own stepped as ``forward(input, hidden)`` (a hand-written RNN
    from nn.Linear layers, as in the PyTorch char-RNN tutorial)."""
    layers, steppers = _listed(ev, "recurrent_modules"), _listed(ev, "stepwise_modules")
    allow_steps = bool(params.get("stepwise", False))
    if layers and ev.predictions.get("recurrent_ran") is True:
        return Check(name, True, f"the prediction runs {_names(layers)}", evidence=OBSERVED)
    if allow_steps and steppers and ev.predictions.get("stepwise_ran") is True:
        return Check(name, True, f"the prediction steps {', '.join(steppers)}.forward(input, hidden) through "
                     "each sequence", evidence=OBSERVED)
    if layers:
        message = f"the model has {_names(layers)}, but the prediction never runs it"
    elif allow_steps and steppers:
        message = (f"{', '.join(steppers)} has a forward(input, hidden), but the prediction never calls it step "
                   "by step (at most once per batch)")
    else:
        message = "no recurrent layer: no nn.RNN / nn.LSTM / nn.GRU (or cell)" + (
            " and no module with a step-wise forward(input, hidden)" if allow_steps else "") + " in the model"
    return Check(name, False, message, evidence=OBSERVED)


def _describe_recurrent(params: Mapping[str, Any]) -> str:
    steps = " or a step-wise forward(input, hidden)" if params.get("stepwise") else ""
    return f"a recurrent layer (nn.RNN / nn.LSTM / nn.GRU or a cell){steps} that the prediction runs"


def _class_names(name: str, params: Mapping[str, Any], ev: RunEvidence) -> Check:
    """The class names the learner's loader function returned (an output: compared here)."""
    expected = [str(c) for c in params["expect"]]
    got = ev.facts.get("class_names")
    if not isinstance(got, list):
        return Check(name, False, "no list of class names came back from make_loaders()", None, str(expected))
    ok = got == expected
    shown = ", ".join(got[:8]) + (" …" if len(got) > 8 else "")
    message = f"class names [{shown}]" + ("" if ok else f", expected {expected} (the sorted folder names)")
    return Check(name, ok, message, None, None)


CODEC_BATCHES = (5, 3)  # probe batch sizes: neither the training batch nor the prediction's
CODEC_RTOL, CODEC_ATOL = 1e-4, 1e-5  # the same ops in another order may round differently


def _codec_probe(params: Mapping[str, Any], test_input: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    a, b = (_probe_input({**params, "batch": n}, test_input, rng) for n in CODEC_BATCHES)
    return {":a": a, ":b": b}


def _codec_outputs(name: str, ev: RunEvidence, *parts: str) -> tuple[list[np.ndarray] | None, str]:
    """The codec runner's outputs for this check's probe, or None and why they are missing."""
    _, error = _probe_output(name, ev)
    got = [ev.predictions.get(PROBE_PREFIX + name + ":" + p) for p in parts]
    if all(isinstance(g, np.ndarray) for g in got):
        return [g for g in got if isinstance(g, np.ndarray)], ""
    return None, error or "no output came back"


def _code_size(name: str, params: Mapping[str, Any], ev: RunEvidence) -> Check:
    """encode(x) holds at most ``at_most`` numbers per input number, per sample."""
    limit = float(params.get("at_most", 0.25))
    a = ev.probes[PROBE_PREFIX + name + ":a"]
    outputs, why = _codec_outputs(name, ev, "code")
    if outputs is None:
        return Check(name, False, f"model.encode(x) on a probe batch of {len(a)} failed: {why}", None, limit)
    [code] = outputs
    if code.ndim < 1 or code.shape[0] != len(a):
        return Check(name, False, f"model.encode(x) for a batch of {len(a)} returned shape {list(code.shape)[:6]}: "
                     "its first dimension must be the batch", None, limit)
    per_sample, per_input = code.size // len(a), a.size // len(a)
    ratio = per_sample / per_input
    ok = ratio <= limit
    return Check(name, ok, f"the code holds {per_sample:,} numbers per image for {per_input:,} input pixels: ratio "
                 f"{ratio:.3g} {'<=' if ok else '>'} {limit:g} (code shape per image {list(code.shape[1:])[:6]})",
                 float(ratio), limit)


def _decode_encode(name: str, params: Mapping[str, Any], ev: RunEvidence) -> Check:
    """model(x) == decode(encode(x)) and the prediction returns that, for batches of other sizes."""
    a, b = ev.probes[PROBE_PREFIX + name + ":a"], ev.probes[PROBE_PREFIX + name + ":b"]
    outputs, why = _codec_outputs(name, ev, "decoded", "forward", "denoised", "decoded_b")
    if outputs is None:
        return Check(name, False, f"decode(encode(x)) on a probe batch of {len(a)} failed: {why}")
    decoded, forward, denoised, decoded_b = outputs
    problem = None
    if decoded.shape != a.shape or decoded_b.shape != b.shape:
        problem = (f"decode(encode(x)) has shape {list(decoded.shape)[:6]} for an input of {list(a.shape)} "
                   f"(and {list(decoded_b.shape)[:6]} for {list(b.shape)})")
    elif forward.shape != decoded.shape or not np.allclose(forward, decoded, CODEC_RTOL, CODEC_ATOL, equal_nan=True):
        gap = float(np.nanmax(np.abs(forward - decoded))) if forward.shape == decoded.shape else float("nan")
        problem = f"model(x) differs from decode(encode(x)) (largest gap {gap:.3g}): forward must be decode(encode(x))"
    elif denoised.shape != decoded.shape or not any(
            np.allclose(denoised, target, CODEC_RTOL, 1e-4, equal_nan=True) for target in (decoded, np.clip(decoded, 0, 1))):
        problem = "the prediction is not decode(encode(x)) (clamped to [0, 1] at most): it must go through the code"
    if problem:
        return Check(name, False, problem)
    return Check(name, True, f"model(x) and the prediction equal decode(encode(x)) for batches of {len(a)} and {len(b)}, "
                 "each code decoded after the other batch was encoded")
# --- checks against a shipped pretrained network (competency 9) ---------------------------------


def _trained_tensor(ev: RunEvidence, key: str) -> np.ndarray | None:
    """The returned tensor in the shipped one's shape (the channel sends a 0-d buffer as shape [1])."""
    value, want = ev.weights.get(WEIGHT_PREFIX + key), ev.reference.get(key)
    if isinstance(value, np.ndarray) and isinstance(want, np.ndarray) and value.size == want.size:
        return value.reshape(want.shape)
    return value if isinstance(value, np.ndarray) else None


def _prefixed(ev: RunEvidence, prefix: str) -> list[str]:
    return [k for k in ev.reference if k.startswith(prefix + ".")]


def _missing_backbone(name: str, ev: RunEvidence, keys: list[str], prefix: str) -> Check | None:
    if not ev.reference:
        return Check(name, False, "no pretrained state to compare with (a grader configuration error)")
    if not ev.weights:
        return Check(name, False, "no weights came back from the sandbox")
    for key in keys:
        got, want = _trained_tensor(ev, key), ev.reference[key]
        if got is None or got.size != want.size or got.squeeze().shape != want.squeeze().shape:
            shown = "missing" if got is None else f"of shape {list(got.shape)}, not {list(want.shape)}"
            return Check(name, False, f"the returned model's {key} is {shown}: keep the pretrained `{prefix}` "
                                      "module as it is and replace only the head")
    return None


def _relative_change(got: np.ndarray, want: np.ndarray) -> float:
    before = want.astype(np.float64)
    scale = float(np.linalg.norm(before))
    change = float(np.linalg.norm(got.astype(np.float64) - before))
    return change / scale if scale > 0 else change


def _frozen_backbone(name: str, params: Mapping[str, Any], ev: RunEvidence) -> Check:
    """Every backbone tensor (weights and BatchNorm buffers) bit-identical to the shipped one; the
    value is the largest relative change of a running statistic (0.0 when frozen)."""
    prefix = str(params.get("prefix", "features"))
    keys = _prefixed(ev, prefix)
    problem = _missing_backbone(name, ev, keys, prefix)
    if problem is not None:
        return problem
    changed = [k for k in keys if not np.array_equal(_trained_tensor(ev, k), ev.reference[k])]  # type: ignore[arg-type]
    stats = [k for k in changed if k.endswith(("running_mean", "running_var"))]
    weights = [k for k in changed if not k.endswith(BUFFER_SUFFIXES)]
    drift = {k: _relative_change(_trained_tensor(ev, k), ev.reference[k]) for k in stats}  # type: ignore[arg-type]
    worst = max(drift, key=drift.__getitem__) if drift else None
    if not changed:
        return Check(name, True, f"all {len(keys)} tensors of `{prefix}` (weights and BatchNorm running "
                                 "statistics) are bit-identical to the pretrained ones", 0.0, 0.0)
    parts = []
    if weights:
        parts.append(f"{len(weights)} weight tensor(s) changed ({', '.join(weights[:3])}"
                     f"{', …' if len(weights) > 3 else ''}): gradients reached the backbone")
    if worst is not None:
        counter = _trained_tensor(ev, worst.rsplit(".", 1)[0] + ".num_batches_tracked")
        before = ev.reference.get(worst.rsplit(".", 1)[0] + ".num_batches_tracked")
        batches = (f" after {int(counter.ravel()[0] - before.ravel()[0])} training-mode batches"
                   if counter is not None and before is not None and counter.size and before.size else "")
        parts.append(f"BatchNorm running statistics drifted in {len(stats)} tensor(s){batches}, most in {worst} "
                     f"(relative L2 change {drift[worst]:.3g})")
    elif not weights:
        parts.append(f"{', '.join(changed[:3])} changed")
    return Check(name, False, f"`{prefix}` is not frozen: " + "; ".join(parts), max(drift.values(), default=0.0), 0.0)


def _trainable_only(name: str, params: Mapping[str, Any], ev: RunEvidence) -> Check:
    """Only the head's parameters require grad (reported from the sandbox: it can fail a run only)."""
    head = str(params.get("prefix", "fc"))
    names = ev.facts.get("trainable_names")
    if not isinstance(names, list):
        return Check(name, False, "no requires_grad report came back from the sandbox", evidence=OBSERVED)
    others = [n for n in names if not n.startswith(head + ".")]
    if others:
        return Check(name, False, f"{len(others)} parameter(s) outside `{head}` still require grad "
                                  f"({', '.join(others[:3])}{', …' if len(others) > 3 else ''})", evidence=OBSERVED)
    if not names:
        return Check(name, False, f"no parameter requires grad: `{head}` must train", evidence=OBSERVED)
    return Check(name, True, f"only the {len(names)} parameter(s) of `{head}` require grad", evidence=OBSERVED)


def _group_lrs(groups: list[dict[str, Any]], prefix: str) -> list[float]:
    return [float(g["lr"]) for g in groups if any(str(n).startswith(prefix + ".") for n in g["params"])]


def _lr_ratio(name: str, params: Mapping[str, Any], ev: RunEvidence) -> Check:
    """Every param group holding backbone parameters has lr <= ratio x the head's lr, and > 0."""
    ratio, backbone, head = float(params["at_most"]), str(params.get("backbone", "features")), str(params.get("head", "fc"))
    groups = ev.facts.get("optimizer_groups")
    if not isinstance(groups, list):
        return Check(name, False, "no optimizer param groups came back from make_optimizer(model)", None, ratio,
                     OBSERVED)
    slow, fast = _group_lrs(groups, backbone), _group_lrs(groups, head)
    if not slow or not fast:
        missing = backbone if not slow else head
        return Check(name, False, f"no param group holds the parameters of `{missing}`", None, ratio, OBSERVED)
    if min(fast) <= 0 or min(slow) <= 0:
        return Check(name, False, "a param group has lr <= 0: nothing in it trains", None, ratio, OBSERVED)
    value = max(slow) / min(fast)
    ok = value <= ratio
    message = (f"backbone lr {max(slow):.3g} is {value:.3g} x the head lr {min(fast):.3g} "
               f"({'<=' if ok else '>'} {ratio:g} x)")
    return Check(name, ok, message, value, ratio, OBSERVED)


def _backbone_drift(name: str, params: Mapping[str, Any], ev: RunEvidence) -> Check:
    """Mean relative L2 change of the backbone's weight tensors from the shipped ones, below a bound."""
    prefix, bound = str(params.get("prefix", "features")), float(params["below"])
    keys = [k for k in _prefixed(ev, prefix) if k.endswith(".weight")]
    problem = _missing_backbone(name, ev, keys, prefix)
    if problem is not None:
        return problem
    value = float(np.mean([_relative_change(_trained_tensor(ev, k), ev.reference[k]) for k in keys]))  # type: ignore[arg-type]
    ok = value < bound
    message = (f"the {len(keys)} weight tensors of `{prefix}` moved {value:.3g} (mean relative L2 change) from the "
               f"pretrained ones ({'<' if ok else '>='} {bound:g})")
    return Check(name, ok, message, value, bound)


CHECKS: dict[str, CheckDef] = {
    "module_types": CheckDef(
        OBSERVED, _module_types, describe=lambda p: f"the model contains {_names(list(p.get('any_of', [])))}",
        advice="Build the model from the layer type this challenge teaches (the check names it); an MLP on "
               "flattened inputs may score, but it is not the skill being graded."),
    "max_params": CheckDef(
        TRUSTED, _max_params, describe=lambda p: f"at most {int(p['at_most']):,} parameters",
        advice="Make the model smaller: fewer channels or units per layer, and downsample (MaxPool2d, stride 2 or "
               "AdaptiveAvgPool2d) before any nn.Linear; a Linear on a large flattened map holds most parameters."),
    "probe_shape": CheckDef(
        TRUSTED, _probe_shape, _shape_probe,
        describe=lambda p: f"output shape {p['expect']} on a probe batch of {p.get('batch', 3)}"
        + (f" at {p['size'][0]}x{p['size'][1]}" if "size" in p else ""),
        advice="Return one output per input in the shape the contract gives, for any batch size (and any image "
               "size where the check feeds another): use x.shape[0] and x.flatten(1) rather than fixed numbers, "
               "and keep a fully convolutional network free of nn.Linear and fixed sizes."),
    "eval_deterministic": CheckDef(
        TRUSTED, _eval_deterministic, _twin_probe, describe=lambda p: "two forward passes in eval mode agree",
        advice="In eval mode the model must give the same answer twice: use nn.Dropout modules (off after "
               "model.eval()) instead of F.dropout(..., training=True) or torch.rand in forward()."),
    "class_names": CheckDef(
        TRUSTED, _class_names, describe=lambda p: "class_names are the sorted folder names",
        advice="Return ImageFolder's own train_set.classes: it lists the folder names sorted, in the order of "
               "the label indices; a hand-written list can disagree with the labels."),
    "code_size": CheckDef(
        TRUSTED, _code_size, _codec_probe, runner="codec",
        describe=lambda p: f"model.encode(x) holds at most {float(p.get('at_most', 0.25)):g} numbers per input pixel",
        advice="Make the code smaller than the image: after two stride-2 convolutions (28 -> 14 -> 7) end the encoder "
               "with a convolution to few channels, e.g. Conv2d(32, 4, 3, padding=1) gives 4x7x7 = 196 numbers for "
               "784 pixels (0.25); encode(x) returns that tensor and decode(z) starts from it."),
    "decode_encode": CheckDef(
        TRUSTED, _decode_encode, _codec_probe, runner="codec",
        describe=lambda p: "model(x) and the prediction are decode(encode(x)), on batches of other sizes",
        advice="Define encode(self, x) and decode(self, z) as methods of the model and write forward(self, x) as "
               "return self.decode(self.encode(x)); denoise() returns model(noisy) (clamping is fine). Keep no state "
               "between the calls: decode must work from z alone."),
    "recurrent": CheckDef(
        OBSERVED, _recurrent, describe=_describe_recurrent,
        advice="Read the sequence with recurrence: an nn.GRU / nn.LSTM / nn.RNN (batch_first=True) over the "
               "embedded tokens, or a cell you step through the positions, and use it in the prediction."),
    "bidirectional_rnn": CheckDef(
        OBSERVED, _bidirectional_rnn, describe=lambda p: "a bidirectional RNN that the prediction runs",
        advice="Use nn.LSTM(..., bidirectional=True, batch_first=True) and run it in the prediction: its output "
               "has 2 x hidden_size features per token, the forward and the backward direction."),
    "frozen_backbone": CheckDef(
        TRUSTED, _frozen_backbone, reports_metric=True,
        describe=lambda p: f"`{p.get('prefix', 'features')}` (weights and BatchNorm running statistics) is "
                           "bit-identical to the pretrained network after training",
        advice="Freeze the backbone completely: requires_grad_(False) on its parameters, and keep it in eval mode "
               "while training (call model.features.eval() after every model.train()), or BatchNorm updates its "
               "running statistics although no weight trains."),
    "trainable_only": CheckDef(
        OBSERVED, _trainable_only, describe=lambda p: f"only `{p.get('prefix', 'fc')}` parameters require grad",
        advice="In adapt(), call requires_grad_(False) on every backbone parameter before replacing the head; the "
               "new nn.Linear's parameters require grad by default."),
    "lr_ratio": CheckDef(
        OBSERVED, _lr_ratio, reports_metric=True,
        describe=lambda p: f"the backbone's param group lr <= {float(p['at_most']):g} x the head's lr",
        advice="Return an optimizer with two param groups: [{'params': model.features.parameters(), 'lr': 1e-3}, "
               "{'params': model.fc.parameters(), 'lr': 1e-2}]; a per-group 'lr' overrides the default."),
    "backbone_drift": CheckDef(
        TRUSTED, _backbone_drift, reports_metric=True,
        describe=lambda p: f"backbone weights stay within a mean relative L2 change < {float(p['below']):g} of the "
                           "pretrained ones",
        advice="Fine-tune, do not retrain: start from the pretrained weights (no re-initialisation), keep the "
               "backbone's lr well below the head's, and train for a few hundred steps, not thousands."),
}
