"""Case: a sensible encoder that forgets the decoder: its logits are (N, 3, 16, 16) for 32x32 input.
Must fail on the output shape (training computes the loss on 2x-downsampled masks, so it runs)."""

import time

import torch
import torch.nn.functional as F
from torch import nn


def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.Conv2d(32, 3, 1),
    )


def train(model, loader, time_budget_s):
    deadline = time.monotonic() + 0.8 * time_budget_s
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _epoch in range(20):
        for images, masks in loader:
            if time.monotonic() > deadline:
                return
            small = masks[:, ::2, ::2]  # the learner "fixes" the size mismatch on the wrong side
            optimizer.zero_grad()
            F.cross_entropy(model(images), small).backward()
            optimizer.step()
