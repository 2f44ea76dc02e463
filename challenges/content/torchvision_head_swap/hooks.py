"""C3.1 ``torchvision-head-swap``: the trusted half of a ``functions`` challenge.

The learner writes ``build_model(arch, num_classes, feature_extract)`` for the five families of
the fine-tuning tutorial. Each call runs the ``head_swap`` scenario of ``inside.py``, which builds
the model in the sandbox (``weights=None``: the sandbox has no network, and nothing is ever
downloaded) and returns plain data about it. Here we judge that data: the torchvision class is
inside, the layer where torchvision keeps the classifier now has ``num_classes`` outputs, the
output on a (2, 3, 224, 224) batch is (2, num_classes), and the ``requires_grad`` flags are right
(only the new head trains when ``feature_extract``, everything otherwise).

What comes back is sandbox-observed and hostile: every field is type-checked and bounded here,
and learner text is quoted only through ``_show``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np

from challenges.kinds.base import Call, CallResult
from challenges.verdict import OBSERVED, Check

SCENARIO = "head_swap"
FUNCTION = "build_model"
MAX_PARAMS = 4000

#: arch -> (torchvision class, the attribute that holds the classifier, a constructor to suggest)
ARCHS: dict[str, tuple[str, str, str]] = {
    "resnet": ("ResNet", "fc", "resnet18"),
    "alexnet": ("AlexNet", "classifier[6]", "alexnet"),
    "vgg": ("VGG", "classifier[6]", "vgg11_bn"),
    "squeezenet": ("SqueezeNet", "classifier[1]", "squeezenet1_0"),
    "densenet": ("DenseNet", "classifier", "densenet121"),
}
#: the layer type the classifier layer must end in
HEAD_LAYER = {"resnet": "Linear", "alexnet": "Linear", "vgg": "Linear", "squeezenet": "Conv2d", "densenet": "Linear"}
NETWORK_ERRORS = ("urlopen", "URLError", "download", "Operation not permitted", "Name or service", "hub")

ADVICE_BUILD = ("Build every family with weights=None (e.g. torchvision.models.resnet18(weights=None)): the grader "
                "has no network, so weights='DEFAULT' or pretrained=True fails while downloading.")
ADVICE_HEAD = ("Replace the classifier layer with a new one of num_classes outputs, keeping its input width: "
               "model.fc = nn.Linear(model.fc.in_features, num_classes) for resnet, model.classifier[6] for "
               "alexnet/vgg, model.classifier for densenet, and model.classifier[1] = nn.Conv2d(512, num_classes, 1) "
               "for squeezenet.")
ADVICE_FREEZE = ("With feature_extract, set requires_grad = False on every parameter BEFORE you replace the head "
                 "(for p in model.parameters(): p.requires_grad = False); the new layer's parameters are created "
                 "trainable. Setting model.requires_grad = False on the module freezes nothing.")
ADVICE_FINETUNE = "Without feature_extract, fine-tune the whole network: leave every parameter with requires_grad=True."


def _show(text: str, limit: int = 120) -> str:
    """Learner text made safe to quote: printable, no backticks, bounded."""
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text[:limit])
    return f"`{clean}{'…' if len(text) > limit else ''}`"


def calls(rng: random.Random) -> list[Call]:
    """Each family twice: feature extraction with a forward pass, and full fine-tuning without one
    (forward passes are most of the grading time; there the head's layer type is checked instead).
    The rng draws the class counts (never 1000, so an untouched head fails) and the order."""
    made = []
    counts = rng.sample(range(2, 40), 2 * len(ARCHS))
    for i, arch in enumerate(ARCHS):
        made.append(Call(id=f"{arch}-feature-extract", function=FUNCTION, scenario=SCENARIO,
                         args=(arch, counts[2 * i], True, True)))
        made.append(Call(id=f"{arch}-fine-tune", function=FUNCTION, scenario=SCENARIO,
                         args=(arch, counts[2 * i + 1], False, False)))
    rng.shuffle(made)
    return made


def _names(params: Any) -> list[tuple[str, bool]] | None:
    if not isinstance(params, list) or len(params) > MAX_PARAMS:
        return None
    out = []
    for item in params:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], bool)):
            return None
        out.append((item[0][:200], item[1]))
    return out


def _list(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(_show(n, 50) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _fail(call: Call, message: str, advice: str, value: Any = None) -> Check:
    return Check(call.id, False, message, value, None, evidence=OBSERVED, advice=advice)


def _judge_one(call: Call, result: object) -> Check:
    arch, num_classes, feature_extract, forward = call.args
    cls, head_attr, ctor = ARCHS[arch]
    where = f"build_model({arch!r}, {num_classes}, feature_extract={feature_extract})"
    if not isinstance(result, CallResult):
        return _fail(call, f"{where}: no result came back", ADVICE_BUILD)
    if result.error is not None:
        error = str(result.error)
        if any(word in error for word in NETWORK_ERRORS):
            return _fail(call, f"{where} tried to download weights ({_show(error, 100)}); the grader has no network",
                         ADVICE_BUILD)
        return _fail(call, f"{where} raised {_show(error, 200)}",
                     f"Handle arch {arch!r}: build torchvision.models.{ctor}(weights=None), then swap its head. "
                     + ADVICE_HEAD)
    value = result.value
    if not isinstance(value, dict):
        return _fail(call, f"{where}: the grader could not read what it built", ADVICE_BUILD)
    found = value.get("found")
    if not isinstance(found, str) or not found:
        return _fail(call, f"{where}: no torchvision {cls} inside the returned model",
                     f"For {arch!r} build torchvision.models.{ctor}(weights=None) (or another {cls}) and change its head; "
                     "do not write your own network.")
    head_type, head_out = value.get("head_type"), value.get("head_out")
    if head_type == "missing" or not isinstance(head_type, str):
        return _fail(call, f"{where}: the {cls} has no module at {head_attr}, where torchvision keeps its classifier",
                     ADVICE_HEAD)
    if not isinstance(head_out, int) or isinstance(head_out, bool):
        return _fail(call, f"{where}: {head_attr} holds no Linear or Conv2d layer ({_show(head_type, 40)})", ADVICE_HEAD)
    if head_out != num_classes:
        return _fail(call, f"{where}: the last layer of {head_attr} ({_show(head_type, 20)}) has {head_out} outputs, "
                     f"not num_classes={num_classes}" + (" (still ImageNet's 1000: the head was not replaced)"
                                                          if head_out == 1000 else ""), ADVICE_HEAD, float(head_out))
    if head_type != HEAD_LAYER[arch]:
        return _fail(call, f"{where}: the last layer of {head_attr} is a {_show(head_type, 20)}; {cls} needs a "
                     f"{HEAD_LAYER[arch]} there" + (" (its classifier is a 1x1 convolution on a feature map)"
                                                    if arch == "squeezenet" else ""), ADVICE_HEAD)
    if forward:
        output = value.get("output")
        if not isinstance(output, np.ndarray):
            return _fail(call, f"{where}: the forward pass on a (2, 3, 224, 224) batch returned "
                         f"{_show(str(value.get('output_type', '?')), 60)}, not a tensor of shape (2, {num_classes})",
                         ADVICE_HEAD)
        if output.shape != (2, num_classes):
            return _fail(call, f"{where}: the output on a (2, 3, 224, 224) batch has shape {tuple(output.shape)}, "
                         f"expected (2, {num_classes})", ADVICE_HEAD)
        if output.dtype.kind != "f" or not np.isfinite(output).all():
            return _fail(call, f"{where}: the output holds NaN, infinity or non-floats", ADVICE_HEAD)
    params = _names(value.get("params"))
    prefix, head = value.get("prefix"), value.get("head")
    if params is None or not isinstance(head, str) or not isinstance(prefix, str):
        return _fail(call, f"{where}: the grader could not read the parameter list", ADVICE_BUILD)
    in_head = [(n, rg) for n, rg in params if n.startswith(head + ".")]
    body = [(n, rg) for n, rg in params if not n.startswith(head + ".")]
    if feature_extract:
        frozen_head = [n for n, rg in in_head if not rg]
        trainable_body = [n for n, rg in body if rg]
        if frozen_head or not in_head:
            return _fail(call, f"{where}: the new head is frozen ({_list(frozen_head)} has requires_grad=False), "
                         "so nothing would train", ADVICE_FREEZE, float(len(frozen_head)))
        if trainable_body:
            return _fail(call, f"{where}: {len(trainable_body)} of {len(body)} backbone parameters still have "
                         f"requires_grad=True ({_list(trainable_body)}); with feature_extract only the new head trains",
                         ADVICE_FREEZE, float(len(trainable_body)))
        trained = sum(1 for _ in in_head)
        return Check(call.id, True, f"{where}: {found.rsplit('.', 1)[-1][:40]} with a {num_classes}-way {head_type} at "
                     f"{head_attr}, output (2, {num_classes}); only the head's {trained} parameters train",
                     evidence=OBSERVED)
    frozen = [n for n, rg in params if not rg]
    if frozen:
        return _fail(call, f"{where}: {len(frozen)} parameters have requires_grad=False ({_list(frozen)}); "
                     "fine-tuning trains the whole network", ADVICE_FINETUNE, float(len(frozen)))
    return Check(call.id, True, f"{where}: {found.rsplit('.', 1)[-1][:40]} with a {num_classes}-way {head_type} at "
                 f"{head_attr}; all {len(params)} parameters train", evidence=OBSERVED)


def _output_ok(call: Call, result: object) -> bool:
    value = result.value if isinstance(result, CallResult) and result.ok else None
    output = value.get("output") if isinstance(value, dict) else None
    return (isinstance(output, np.ndarray) and output.shape == (2, call.args[1]) and output.dtype.kind == "f"
            and bool(np.isfinite(output).all()))


def judge(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    """One Check per call, named by its id (``resnet-feature-extract``, ``vgg-fine-tune``...), all
    sandbox-observed, and ``outputs``: the raw outputs that came back, judged here (trusted)."""
    checks = [_judge_one(call, results.get(call.id)) for call in calls]
    forwarded = [call for call in calls if call.args[3]]
    wrong = [call.id for call in forwarded if not _output_ok(call, results.get(call.id))]
    if wrong:
        checks.append(Check("outputs", False, f"{len(wrong)} of {len(forwarded)} builds gave no finite (2, num_classes) "
                            f"output on a (2, 3, 224, 224) batch ({', '.join(wrong[:4])}{' …' if len(wrong) > 4 else ''})",
                            float(len(forwarded) - len(wrong)), float(len(forwarded)), advice=ADVICE_HEAD))
    else:
        checks.append(Check("outputs", True, f"all {len(forwarded)} outputs on a (2, 3, 224, 224) batch have shape "
                            "(2, num_classes) and are finite", float(len(forwarded)), float(len(forwarded))))
    return checks
