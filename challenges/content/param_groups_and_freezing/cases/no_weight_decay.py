"""Right freezing and lrs, and no weight decay anywhere: nothing is decayed, BN/bias included, so
it passes, with a warning that the exclusion does nothing."""

import torch


def make_optimizer(model):
    model.requires_grad_(False)
    model.layer4.requires_grad_(True)
    model.fc.requires_grad_(True)
    return torch.optim.Adam([
        {"params": model.layer4.parameters(), "lr": 1e-4},
        {"params": model.fc.parameters(), "lr": 1e-3},
    ])
