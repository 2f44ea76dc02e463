"""Case: the intensity-threshold idea as a model, a single 1x1 convolution trained with
cross-entropy. Fully convolutional and well trained, yet each pixel sees only its own intensity, so
it cannot tell circles from squares: it lands near the grader's intensity baseline and must fail."""

import time

import torch
from torch import nn


def build_model():
    return nn.Conv2d(1, 3, kernel_size=1)


def train(model, loader, time_budget_s):
    deadline = time.monotonic() + 0.8 * time_budget_s
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-2)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _epoch in range(50):
        for images, masks in loader:
            if time.monotonic() > deadline:
                return
            optimizer.zero_grad()
            loss_fn(model(images), masks).backward()
            optimizer.step()
