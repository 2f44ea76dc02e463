"""Case: non-blind. The C7.1 `denoiser` reference (a 3-down/2-up conv autoencoder) trained only
on Gaussian noise of sigma 0.3 that it adds to the clean images itself, no salt and pepper, no
other level: it must fail at least one level of the blind test (and the clean images)."""

import time

import torch
from torch import nn

EPOCHS = 12
SIGMA = 0.3


def block(conv, channels):
    return [conv, nn.BatchNorm2d(channels), nn.ReLU()]


def build_model():
    return nn.Sequential(
        *block(nn.Conv2d(1, 16, 3, stride=2, padding=1), 16),
        *block(nn.Conv2d(16, 32, 3, stride=2, padding=1), 32),
        *block(nn.Conv2d(32, 32, 3, padding=1), 32),
        *block(nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1), 16),
        nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1),
        nn.Sigmoid(),
    )


def train(model, loader, time_budget_s):
    start = time.monotonic()
    budget = 0.8 * time_budget_s
    total_steps = EPOCHS * len(loader)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.MSELoss()
    generator = torch.Generator().manual_seed(0)
    model.train()
    step = 0
    for _epoch in range(EPOCHS):
        for _noisy, clean in loader:
            progress = max(step / total_steps, (time.monotonic() - start) / budget)
            if progress >= 1.0:
                return
            for group in optimizer.param_groups:
                group["lr"] = 1e-2 * max(0.05, 1.0 - progress)
            noisy = (clean + SIGMA * torch.randn(clean.shape, generator=generator)).clamp(0.0, 1.0)
            optimizer.zero_grad()
            loss_fn(model(noisy), clean).backward()
            optimizer.step()
            step += 1


def denoise(model, noisy):
    model.eval()
    with torch.no_grad():
        return model(noisy)
