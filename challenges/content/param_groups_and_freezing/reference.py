"""Reference for param-groups-and-freezing: freeze all but layer4 and fc, then four groups:
body/head x decay/no-decay, the head at 10x the body's lr, no decay on BatchNorm and biases."""

import torch

BODY_LR = 1e-3
WEIGHT_DECAY = 1e-4


def make_optimizer(model):
    groups = {(part, decay): [] for part in ("body", "head") for decay in (True, False)}
    for name, p in model.named_parameters():
        p.requires_grad = name.startswith(("layer4.", "fc."))
        if not p.requires_grad:
            continue
        part = "head" if name.startswith("fc.") else "body"
        # BatchNorm weights and biases, and every bias, are 1-D; conv kernels and matrices are not
        groups[(part, p.ndim > 1)].append(p)
    return torch.optim.SGD(
        [
            {"params": groups[("body", True)], "lr": BODY_LR, "weight_decay": WEIGHT_DECAY},
            {"params": groups[("body", False)], "lr": BODY_LR, "weight_decay": 0.0},
            {"params": groups[("head", True)], "lr": 10 * BODY_LR, "weight_decay": WEIGHT_DECAY},
            {"params": groups[("head", False)], "lr": 10 * BODY_LR, "weight_decay": 0.0},
        ],
        lr=BODY_LR,
        momentum=0.9,
    )
