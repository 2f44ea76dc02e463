"""Case: the reference with an in-place corrupt(): x.add_(noise).clamp_(0, 1). It returns the
right noisy image, but it also overwrites the clean batch it was given, so train() compares the
output with the noisy image it just made. It must fail the not-in-place unit check."""

import time

import torch
from torch import nn

EPOCHS = 12
SIGMA = 0.3


def corrupt(x, sigma, generator):
    return x.add_(sigma * torch.randn(x.shape, generator=generator, dtype=x.dtype)).clamp_(0.0, 1.0)


def block(conv, channels):
    return [conv, nn.BatchNorm2d(channels), nn.ReLU()]


class BottleneckDAE(nn.Module):
    def __init__(self, code_channels=4):
        super().__init__()
        self.encoder = nn.Sequential(
            *block(nn.Conv2d(1, 16, 3, stride=2, padding=1), 16),  # 14x14
            *block(nn.Conv2d(16, 32, 3, stride=2, padding=1), 32),  # 7x7
            nn.Conv2d(32, code_channels, 3, padding=1),  # the code: 4x7x7
        )
        self.decoder = nn.Sequential(
            *block(nn.Conv2d(code_channels, 32, 3, padding=1), 32),
            *block(nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1), 16),  # 14x14
            nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1),  # 28x28
            nn.Sigmoid(),
        )

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))


def build_model():
    return BottleneckDAE()


def train(model, loader, time_budget_s):
    start = time.monotonic()
    budget = 0.8 * time_budget_s  # stop early: the grader's clock also counts setup
    total_steps = EPOCHS * len(loader)
    base_lr = 1e-2
    optimizer = torch.optim.Adam(model.parameters(), lr=base_lr)
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
                group["lr"] = base_lr * max(0.05, 1.0 - progress)
            optimizer.zero_grad()
            loss = loss_fn(model(corrupt(clean, SIGMA, generator)), clean)
            loss.backward()
            optimizer.step()
            step += 1


def denoise(model, noisy):
    model.eval()
    with torch.no_grad():
        return model(noisy)
