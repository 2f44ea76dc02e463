"""Case: a convolution followed straight by Flatten -> Linear, the head most first CNNs use. The
Conv2d finds local patterns anywhere, but Linear(8*28*28, 64) gives each of the 784 positions its
own weights: with shapes anywhere and 4000 training images it fits the training set far better
than new images (position memorised, not shape)."""

import time

import torch
from torch import nn


def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(8 * 28 * 28, 64),
        nn.ReLU(),
        nn.Linear(64, 4),
    )


def train(model, loader, time_budget_s):
    start = time.monotonic()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _epoch in range(20):
        for images, labels in loader:
            if time.monotonic() - start > 0.8 * time_budget_s:
                return
            optimizer.zero_grad()
            loss_fn(model(images), labels).backward()
            optimizer.step()
