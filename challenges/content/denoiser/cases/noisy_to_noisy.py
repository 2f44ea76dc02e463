"""Case: a 144-d bottleneck autoencoder trained noisy -> noisy (the clean target is ignored).

The bottleneck removes some noise, but it lands near the blur baseline, so it must fail.
"""

import time

import torch
from torch import nn


def build_model():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 144),
        nn.ReLU(),
        nn.Linear(144, 784),
        nn.Sigmoid(),
        nn.Unflatten(1, (1, 28, 28)),
    )


def train(model, loader, time_budget_s):
    deadline = time.monotonic() + min(time_budget_s - 2.0, 10.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    loss_fn = nn.MSELoss()
    while time.monotonic() < deadline:
        for noisy, _clean in loader:
            if time.monotonic() > deadline:
                return
            optimizer.zero_grad()
            loss_fn(model(noisy), noisy).backward()
            optimizer.step()


def denoise(model, noisy):
    with torch.no_grad():
        return model(noisy)
