"""Starter for `shapes-classifier-offcentre`: it runs, but a linear model on raw pixels stays far
below the bar (about 0.4): with the shape anywhere, no single weight per pixel says "triangle".

Replace the model with a CNN whose head does not care where the shape is (see the hints).
"""

import time

import torch
from torch import nn


def build_model():
    # TODO: convolutions, then a head that pools over all positions; this linear model has no nn.Conv2d.
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 4))


def train(model, loader, time_budget_s):
    deadline = time.monotonic() + 0.6 * time_budget_s
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _epoch in range(5):
        for images, labels in loader:
            if time.monotonic() > deadline:
                return
            optimizer.zero_grad()
            loss_fn(model(images), labels).backward()
            optimizer.step()
