"""Freezes by setting `requires_grad = False` on the modules: that only adds an attribute to
each Module, so every body parameter still requires grad (and gets gradients computed)."""

import torch


def make_optimizer(model):
    for module in (model.conv1, model.bn1, model.layer1, model.layer2, model.layer3):
        module.requires_grad = False
    body = [p for n, p in model.layer4.named_parameters()]
    decay = [p for p in body if p.ndim > 1]
    no_decay = [p for p in body if p.ndim <= 1]
    return torch.optim.SGD([
        {"params": decay, "weight_decay": 1e-4},
        {"params": no_decay, "weight_decay": 0.0},
        {"params": [model.fc.weight], "lr": 1e-2, "weight_decay": 1e-4},
        {"params": [model.fc.bias], "lr": 1e-2, "weight_decay": 0.0},
    ], lr=1e-3, momentum=0.9)
