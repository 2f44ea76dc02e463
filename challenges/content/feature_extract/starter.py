"""Starter for `feature-extract`: it runs, but it fine-tunes the whole network instead of using
the pretrained backbone as a frozen feature extractor, so it fails the frozen-backbone checks.

TODO: freeze the backbone in adapt() (requires_grad_(False)), keep it in eval mode while training,
and train only the new head.
"""

import time

import torch
from torch import nn


def adapt(pretrained, num_classes):
    pretrained.fc = nn.Linear(64, num_classes)  # TODO: freeze pretrained.features first
    return pretrained


def train(model, few_shot_loader, time_budget_s):
    deadline = time.monotonic() + 0.5 * time_budget_s
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)  # TODO: the head's parameters only
    loss_fn = nn.CrossEntropyLoss()
    model.train()  # TODO: the backbone's BatchNorm must stay in eval mode
    for _epoch in range(30):
        for images, labels in few_shot_loader:
            if time.monotonic() > deadline:
                return
            optimizer.zero_grad()
            loss_fn(model(images), labels).backward()
            optimizer.step()
