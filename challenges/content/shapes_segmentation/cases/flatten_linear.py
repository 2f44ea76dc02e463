"""Case: a per-image lookup, Flatten -> Linear -> reshape to (N, 3, 32, 32). Must fail: it is not
fully convolutional, so the 48x48 probe cannot come back at 48x48 (the Linear expects 1024 inputs)."""

import time

import torch
from torch import nn


class FlattenLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(32 * 32, 3 * 32 * 32)

    def forward(self, x):
        return self.fc(x.flatten(1)).view(-1, 3, 32, 32)


def build_model():
    return FlattenLinear()


def train(model, loader, time_budget_s):
    deadline = time.monotonic() + 0.8 * time_budget_s
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _epoch in range(20):
        for images, masks in loader:
            if time.monotonic() > deadline:
                return
            optimizer.zero_grad()
            loss_fn(model(images), masks).backward()
            optimizer.step()
