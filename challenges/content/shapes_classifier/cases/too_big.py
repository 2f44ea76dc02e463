"""Case: one Conv2d, then a huge Linear layer (3.2 M parameters). Must fail the parameter bound."""

import time

import torch
from torch import nn


def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(16 * 28 * 28, 256),
        nn.ReLU(),
        nn.Linear(256, 4),
    )


def train(model, loader, time_budget_s):
    deadline = time.monotonic() + min(time_budget_s - 2.0, 6.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for images, labels in loader:
        if time.monotonic() > deadline:
            return
        optimizer.zero_grad()
        loss_fn(model(images), labels).backward()
        optimizer.step()
