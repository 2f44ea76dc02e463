"""Case: the backbone is never stepped and stays in eval mode, but adapt() forgets
requires_grad_(False). Must fail the requires_grad check only: the backbone stays bit-identical
(only fc is in the optimizer), yet every backward pass computes its gradients for nothing."""

import time

import torch
from torch import nn


def adapt(pretrained, num_classes):
    pretrained.fc = nn.Linear(64, num_classes)
    return pretrained


def train(model, few_shot_loader, time_budget_s):
    deadline = time.monotonic() + 0.5 * time_budget_s
    optimizer = torch.optim.Adam(model.fc.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    model.eval()
    for _epoch in range(150):
        for images, labels in few_shot_loader:
            if time.monotonic() > deadline:
                return
            optimizer.zero_grad()
            loss_fn(model(images), labels).backward()
            optimizer.step()
