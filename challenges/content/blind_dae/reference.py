"""Reference solution for `blind-dae`: a small U-Net whose last layer sees the input itself and
outputs, per pixel, a reconstruction and a gate; the output is gate * input + (1 - gate) *
reconstruction, so a clean image can pass through untouched. A quarter of every batch is
replaced by clean -> clean pairs (the given pairs never have sigma below 0.05), so the network
learns that no noise means no change. Adam with a learning rate that decays linearly with
progress (steps or time, whichever is further along)."""

import time

import torch
from torch import nn

EPOCHS = 12
CLEAN_SHARE = 0.25


def conv(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout), nn.ReLU())


def up(cin, cout):
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, 2, 1), nn.BatchNorm2d(cout), nn.ReLU())


class GatedUNet(nn.Module):
    def __init__(self, width=16):
        super().__init__()
        self.e1 = conv(1, width // 2)  # 28x28
        self.e2 = conv(width // 2, width, 2)  # 14x14
        self.e3 = nn.Sequential(conv(width, 2 * width, 2), conv(2 * width, 2 * width))  # 7x7
        self.d2 = up(2 * width, width)  # 14x14
        self.d1 = up(width, width // 2)  # 28x28
        self.out = nn.Conv2d(width + 1, 2, 3, padding=1)  # [up, e1, x] -> reconstruction, gate

    def forward(self, x):
        e1 = self.e1(x)
        e2 = self.e2(e1)
        d1 = self.d1(self.d2(self.e3(e2)) + e2)
        recon, gate = self.out(torch.cat([d1, e1, x], 1)).chunk(2, dim=1)
        gate = torch.sigmoid(gate)
        return gate * x + (1 - gate) * torch.sigmoid(recon)


def build_model():
    return GatedUNet()


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
            inputs = noisy.clone()
            k = int(CLEAN_SHARE * len(clean))
            inputs[:k] = clean[:k]  # clean -> clean: no noise, no change
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), clean)
            loss.backward()
            optimizer.step()
            step += 1


def denoise(model, noisy):
    model.eval()
    with torch.no_grad():
        return model(noisy).clamp(0.0, 1.0)
