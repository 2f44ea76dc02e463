"""Sandbox side of C3.1 ``torchvision-head-swap``: build the learner's model and describe it.

Runs next to the learner's code, so it imports only torch, torchvision and the inside kit, and
returns plain data for ``hooks.judge``: which torchvision class is inside, what sits where
torchvision keeps the classifier, every parameter's name and ``requires_grad`` flag, and the raw
output on a (2, 3, 224, 224) batch. All of it is sandbox-observed (learner code shares this
interpreter); the trusted side bounds and checks every field before believing any of it.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import torch
import torchvision.models as tvm
from torch import nn

from challenges.kinds import inside_kit as kit

#: arch -> (torchvision class, where that class keeps its classifier layer)
ARCHS: dict[str, tuple[type[nn.Module], str]] = {
    "resnet": (tvm.ResNet, "fc"),
    "alexnet": (tvm.AlexNet, "classifier.6"),
    "vgg": (tvm.VGG, "classifier.6"),
    "squeezenet": (tvm.SqueezeNet, "classifier.1"),
    "densenet": (tvm.DenseNet, "classifier"),
}
MAX_PARAMS = 4000
MAX_NAME = 200


def _last_layer(head: nn.Module) -> tuple[str, int | None]:
    """The last Linear or Conv2d in the head (the head itself when it is one): type and width."""
    last: nn.Module | None = None
    for module in head.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            last = module
    if isinstance(last, nn.Linear):
        return "Linear", int(last.out_features)
    if isinstance(last, nn.Conv2d):
        return "Conv2d", int(last.out_channels)
    return type(head).__name__[:40], None


def head_swap(learner: ModuleType, arch: str, num_classes: int, feature_extract: bool, forward: bool) -> dict[str, Any]:
    torch.manual_seed(0)
    model = kit.build(learner, arch, num_classes, feature_extract)
    cls, head_path = ARCHS[arch]
    prefix: str | None = None
    found = ""
    for name, module in model.named_modules():
        if isinstance(module, cls):
            prefix, found = name, f"{type(module).__module__}.{type(module).__qualname__}"[:120]
            break
    head_type, head_out = "", None
    full_head = None
    if prefix is not None:
        full_head = f"{prefix}.{head_path}" if prefix else head_path
        try:
            head = model.get_submodule(full_head)
        except AttributeError:
            head_type = "missing"
        else:
            head_type, head_out = _last_layer(head)
    params = [[name[:MAX_NAME], bool(p.requires_grad)] for name, p in list(model.named_parameters())[:MAX_PARAMS]]
    out: dict[str, Any] = {"found": found, "prefix": prefix, "head": full_head, "head_type": head_type,
                           "head_out": head_out, "params": params, "output": None, "output_type": ""}
    if forward:
        with kit.evaluating(model):
            y = model(torch.randn(2, 3, 224, 224))
        out["output_type"] = type(y).__name__[:40]
        if isinstance(y, torch.Tensor) and y.numel() <= 2 * 4096:
            out["output"] = y.detach().float().cpu().numpy()
        elif isinstance(y, torch.Tensor):
            out["output_type"] = f"Tensor of shape {tuple(y.shape)}"[:80]
    del model
    return out
