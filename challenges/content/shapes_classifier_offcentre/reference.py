"""Reference solution for `shapes-classifier-offcentre`: three Conv2d-BatchNorm-ReLU blocks and a
global average pool, then one Linear layer (about 24 k parameters). Adam with a learning rate
that decays linearly with progress, by steps or by the clock, whichever is further along: a run
cut short by a slow machine still ends on small, calm steps.

Why global pooling: the shapes sit anywhere in the image. Convolutions find the same corner or
arm wherever it is, and averaging the last feature map over all positions keeps "what" and
drops "where", so the Linear layer sees the same features for a shape in any position. A
Flatten -> Linear head instead gives every position its own weights and must see each shape at
each position in training: with 4000 images it memorises positions (calibration.md)."""

import time

import torch
from torch import nn

EPOCHS = 8
LR = 1e-2


def conv_block(c_in, c_out):
    return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU()]


def build_model():
    return nn.Sequential(
        *conv_block(1, 16),
        nn.MaxPool2d(2),  # 14x14
        *conv_block(16, 32),
        nn.MaxPool2d(2),  # 7x7
        *conv_block(32, 64),
        nn.AdaptiveAvgPool2d(1),  # global average pooling: one value per channel, wherever the shape is
        nn.Flatten(),
        nn.Linear(64, 4),
    )


def train(model, loader, time_budget_s):
    start = time.monotonic()
    budget = 0.8 * time_budget_s  # the grader's clock also counts set-up
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
