"""Reference solution for `denoiser`: a small strided conv autoencoder with BatchNorm, trained
noisy -> clean with Adam; the learning rate decays linearly with progress (steps or time, whichever
is further along), so a slow machine still ends on a small learning rate."""

import time

import torch
from torch import nn

EPOCHS = 10


def block(conv, channels):
    return [conv, nn.BatchNorm2d(channels), nn.ReLU()]


def build_model():
    return nn.Sequential(
        *block(nn.Conv2d(1, 16, 3, stride=2, padding=1), 16),  # 14x14
        *block(nn.Conv2d(16, 32, 3, stride=2, padding=1), 32),  # 7x7
        *block(nn.Conv2d(32, 32, 3, padding=1), 32),
        *block(nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1), 16),  # 14x14
        nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1),  # 28x28
        nn.Sigmoid(),
    )


def train(model, loader, time_budget_s):
    start = time.monotonic()
    budget = 0.8 * time_budget_s  # stop early: the grader's clock also counts setup
    total_steps = EPOCHS * len(loader)
    base_lr = 1e-2
    optimizer = torch.optim.Adam(model.parameters(), lr=base_lr)
    loss_fn = nn.MSELoss()
    model.train()
    step = 0
    for _epoch in range(EPOCHS):
        for noisy, clean in loader:
            progress = max(step / total_steps, (time.monotonic() - start) / budget)
            if progress >= 1.0:
                return
            for group in optimizer.param_groups:
                group["lr"] = base_lr * max(0.05, 1.0 - progress)
            optimizer.zero_grad()
            loss = loss_fn(model(noisy), clean)
            loss.backward()
            optimizer.step()
            step += 1


def denoise(model, noisy):
    model.eval()
    with torch.no_grad():
        return model(noisy)
