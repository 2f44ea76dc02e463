"""Case: the C7.1 `denoiser` reference split into encode/decode. Its "code" is the 32x7x7 feature
map, 1568 numbers for a 784-pixel image (2.0x the input): it denoises well, but it is no
bottleneck, so it must fail the code-size check (design, C7.2 calibration note)."""

import time

import torch
from torch import nn

EPOCHS = 10


def corrupt(x, sigma, generator):
    return (x + sigma * torch.randn(x.shape, generator=generator, dtype=x.dtype)).clamp(0.0, 1.0)


def block(conv, channels):
    return [conv, nn.BatchNorm2d(channels), nn.ReLU()]


class WideDAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            *block(nn.Conv2d(1, 16, 3, stride=2, padding=1), 16),
            *block(nn.Conv2d(16, 32, 3, stride=2, padding=1), 32),
            *block(nn.Conv2d(32, 32, 3, padding=1), 32),  # the code: 32x7x7
        )
        self.decoder = nn.Sequential(
            *block(nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1), 16),
            nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1),
            nn.Sigmoid(),
        )

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))


def build_model():
    return WideDAE()


def train(model, loader, time_budget_s):
    start = time.monotonic()
    budget = 0.8 * time_budget_s
    total_steps = EPOCHS * len(loader)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.MSELoss()
    model.train()
    step = 0
    for _epoch in range(EPOCHS):
        for noisy, clean in loader:
            progress = max(step / total_steps, (time.monotonic() - start) / budget)
            if progress >= 1.0:
                return
            for group in optimizer.param_groups:
                group["lr"] = 1e-2 * max(0.05, 1.0 - progress)
            optimizer.zero_grad()
            loss_fn(model(noisy), clean).backward()
            optimizer.step()
            step += 1


def denoise(model, noisy):
    model.eval()
    with torch.no_grad():
        return model(noisy)
