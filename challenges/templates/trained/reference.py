"""Reference solution for `{id}`: a small CNN, three Conv2d-BatchNorm-ReLU blocks and a global max
pool (so a shape counts wherever it is), then one Linear layer. Adam, with a learning rate that
decays linearly with progress, by steps or by the clock, whichever is further along: a run cut
short by a slow machine still ends on small, calm steps.

TODO(author): replace with the solution of your own challenge. It must pass with margin on 2 CPU
threads (`tutor challenges calibrate {id}`: 3 seeds, metric >= threshold + 0.05).
"""

import time

import torch
from torch import nn

EPOCHS = 6
LR = 1e-2


def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.AdaptiveMaxPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 4),
    )


def train(model, loader, time_budget_s):
    start = time.monotonic()
    budget = 0.75 * time_budget_s  # the grader's clock also counts set-up
    total_steps = EPOCHS * len(loader)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    step = 0
    for _epoch in range(EPOCHS):
        for images, labels in loader:
            progress = max(step / total_steps, (time.monotonic() - start) / budget)
            if progress >= 1.0:
                return
            for group in optimizer.param_groups:
                group["lr"] = LR * max(0.05, 1.0 - progress)
            optimizer.zero_grad()
            loss_fn(model(images), labels).backward()
            optimizer.step()
            step += 1
