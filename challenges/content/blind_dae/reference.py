"""Reference solution for `blind-dae`: a small U-Net whose output is, per pixel, a mix of the
input itself and a reconstruction: gate * input + (1 - gate) * reconstruction, so a clean image
can pass through untouched. The image is first folded losslessly into 4 channels at 14x14
(PixelUnshuffle), so no layer runs at full resolution (many small full-resolution layers cost
the most time per step on 2 threads); PixelShuffle unfolds reconstruction and gate again.
A quarter of every batch is replaced by clean -> clean pairs (the given pairs never have sigma
below 0.05), so the network learns that no noise means no change. Adam with a learning rate that
decays linearly with progress (steps or time, whichever is further along)."""

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
        self.fold, self.unfold = nn.PixelUnshuffle(2), nn.PixelShuffle(2)
        self.e1 = conv(4, width)  # 14x14: the image folded, nothing lost
        self.e2 = nn.Sequential(conv(width, 2 * width, 2), conv(2 * width, 2 * width))  # 7x7
        self.d1 = up(2 * width, width)  # 14x14
        self.out = nn.Conv2d(width + 4, 8, 3, padding=1)  # -> 2 channels at 28x28: reconstruction, gate

    def forward(self, x):
        folded = self.fold(x)
        e1 = self.e1(folded)
        d1 = self.d1(self.e2(e1)) + e1
        recon, gate = self.unfold(self.out(torch.cat([d1, folded], 1))).chunk(2, dim=1)
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
