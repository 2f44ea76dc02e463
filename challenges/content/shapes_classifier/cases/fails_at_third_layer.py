"""Case: the third layer is a Linear sized for 28x28 inputs that never flattens them first; the
forward pass raises at layer 3, and the verdict shows the layer table up to it."""

import time

import torch
from torch import nn


def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.Linear(8 * 28 * 28, 4),  # applied to (N, 8, 28, 28): 28 features arrive, not 6272
    )


def train(model, loader, time_budget_s):
    start = time.monotonic()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for images, labels in loader:
        if time.monotonic() - start > 0.8 * time_budget_s:
            return
        optimizer.zero_grad()
        loss_fn(model(images), labels).backward()
        optimizer.step()
