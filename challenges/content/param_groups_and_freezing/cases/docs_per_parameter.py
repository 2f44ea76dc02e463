"""torch.optim's "per-parameter options" example applied to resnet18: two groups, the head's
lr 10x, one weight_decay for all, so BatchNorm weights and biases are decayed too."""

import torch.optim as optim


def make_optimizer(model):
    model.requires_grad_(False)
    model.layer4.requires_grad_(True)
    model.fc.requires_grad_(True)
    return optim.SGD([
        {"params": model.layer4.parameters()},
        {"params": model.fc.parameters(), "lr": 1e-2},
    ], lr=1e-3, momentum=0.9, weight_decay=1e-4)
