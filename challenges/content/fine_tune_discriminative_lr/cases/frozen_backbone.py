"""Case: feature extraction where fine-tuning is asked for: the backbone is frozen and the
optimizer holds the head alone. Must fail: no param group trains the backbone."""

import time

import torch
from torch import nn


def adapt(pretrained, num_classes):
    pretrained.requires_grad_(False)
    pretrained.fc = nn.Linear(64, num_classes)
    return pretrained


def make_optimizer(model):
    return torch.optim.Adam(model.fc.parameters(), lr=1e-2)


def train(model, optimizer, few_shot_loader, time_budget_s):
    deadline = time.monotonic() + 0.5 * time_budget_s
    loss_fn = nn.CrossEntropyLoss()
    model.eval()
    for _epoch in range(150):
        for images, labels in few_shot_loader:
            if time.monotonic() > deadline:
                return
            optimizer.zero_grad()
            loss_fn(model(images), labels).backward()
            optimizer.step()
