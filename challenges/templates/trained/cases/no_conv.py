"""Case: an MLP on raw pixels, trained properly. Must fail: no nn.Conv2d in the model."""

import time

import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 4))


def train(model, loader, time_budget_s):
    deadline = time.monotonic() + 0.6 * time_budget_s
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for _epoch in range(10):
        for images, labels in loader:
            if time.monotonic() > deadline:
                return
            optimizer.zero_grad()
            loss_fn(model(images), labels).backward()
            optimizer.step()
