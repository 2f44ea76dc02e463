"""Case: the C5.1 reference, verbatim: two Conv2d-BatchNorm-ReLU-MaxPool blocks, then Flatten ->
Linear(32*7*7, 64) -> Linear(64, 4). Centred, it scores 0.98-0.99; here the shapes can be anywhere."""

import time

import torch
from torch import nn

EPOCHS = 5


def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 64),
        nn.ReLU(),
        nn.Linear(64, 4),
    )


def train(model, loader, time_budget_s):
    start = time.monotonic()
    budget = 0.8 * time_budget_s  # stop early: the grader's clock also counts setup
    total_steps = EPOCHS * len(loader)
    base_lr = 3e-3
    optimizer = torch.optim.Adam(model.parameters(), lr=base_lr)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    step = 0
    for _epoch in range(EPOCHS):
        for images, labels in loader:
            progress = max(step / total_steps, (time.monotonic() - start) / budget)
            if progress >= 1.0:
                return
            for group in optimizer.param_groups:
                group["lr"] = base_lr * max(0.05, 1.0 - progress)
            optimizer.zero_grad()
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
            step += 1
