"""Starter for `bottleneck-dae`: it runs, but it fails.

- corrupt() adds the noise in place (x.add_), never clamps and ignores the generator;
- the model has encode/decode, but its code is 16x14x14 = 3136 numbers for 784 pixels (4x the
  image): that is no bottleneck;
- train() makes one pass over the data.

Fix corrupt() first (the unit checks say what is wrong), then shrink the code to at most 196
numbers per image and train for most of the budget.
"""

import time

import torch
from torch import nn


def corrupt(x, sigma, generator):
    # TODO: a new tensor, noise from `generator`, clamped to [0, 1]
    return x.add_(sigma * torch.randn_like(x))


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU())  # TODO: a smaller code
        self.decoder = nn.Sequential(nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1), nn.Sigmoid())

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))


def build_model():
    return AutoEncoder()


def train(model, loader, time_budget_s):
    start = time.monotonic()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.MSELoss()
    model.train()
    for noisy, clean in loader:  # TODO: more epochs
        if time.monotonic() - start > time_budget_s - 2:
            break
        optimizer.zero_grad()
        loss = loss_fn(model(noisy), clean)
        loss.backward()
        optimizer.step()


def denoise(model, noisy):
    model.eval()
    with torch.no_grad():
        return model(noisy).clamp(0, 1)
