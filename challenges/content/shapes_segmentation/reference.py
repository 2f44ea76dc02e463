"""Reference solution for `shapes-segmentation`: a small 2-level U-Net (widths 8-16-48, about 43 k
parameters) with BatchNorm, trained with cross-entropy plus soft Dice and Adam (lr 2e-2 after a
16-step warm-up); training runs for 0.8 x the time budget and the learning rate decays linearly
with the time used, so every host ends on a small rate: about 200 steps (6 epochs) in 11.2 s on 2
idle CPU threads here, and a slower host still finishes its schedule with fewer steps.

Why this shape: on 2 CPU threads the full-resolution layers dominate a step, so they are single
8-channel convolutions, while the 8x8 bottleneck, where a circle is told from a square, gets 48
channels for almost nothing. Wider nets (16-32-64, 117 k) do too few steps in the budget and score
lower; without the warm-up, lr 1e-2 already gave one seed in three a bad run (0.82). Why by time and not
a fixed 5 epochs: at about 100 steps one run seed in six lands in a poor basin (0.51-0.76 mIoU),
at about 200 none did in 16 (calibration.md)."""

import time

import torch
import torch.nn.functional as F
from torch import nn

MAX_EPOCHS = 50  # the clock ends training long before this
WARMUP_STEPS = 16
WIDTHS = (8, 16, 48)


def conv_bn_relu(c_in, c_out):
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


def double_conv(c_in, c_out):
    return nn.Sequential(*conv_bn_relu(c_in, c_out), *conv_bn_relu(c_out, c_out))


class UNet(nn.Module):
    """Two poolings down, two upsamplings back, a skip connection at each level; fully
    convolutional, so any input whose sides divide by 4 comes back at its own size."""

    def __init__(self, widths=WIDTHS, classes=3):
        super().__init__()
        w1, w2, w3 = widths
        self.enc1 = nn.Sequential(*conv_bn_relu(1, w1))  # 32x32
        self.enc2 = double_conv(w1, w2)  # 16x16
        self.mid = double_conv(w2, w3)  # 8x8
        self.up2 = nn.ConvTranspose2d(w3, w2, 2, stride=2)
        self.dec2 = double_conv(2 * w2, w2)
        self.up1 = nn.ConvTranspose2d(w2, w1, 2, stride=2)
        self.dec1 = nn.Sequential(*conv_bn_relu(2 * w1, w1))
        self.head = nn.Conv2d(w1, classes, 1)

    def forward(self, x):
        s1 = self.enc1(x)
        s2 = self.enc2(F.max_pool2d(s1, 2))
        m = self.mid(F.max_pool2d(s2, 2))
        d2 = self.dec2(torch.cat([self.up2(m), s2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), s1], dim=1))
        return self.head(d1)


def build_model():
    return UNet()


def dice_loss(logits, masks, eps=1.0):
    """1 - mean soft Dice over the classes, counted over the whole batch."""
    probs = logits.softmax(dim=1)
    onehot = F.one_hot(masks, probs.shape[1]).permute(0, 3, 1, 2).to(probs.dtype)
    inter = (probs * onehot).sum(dim=(0, 2, 3))
    total = probs.sum(dim=(0, 2, 3)) + onehot.sum(dim=(0, 2, 3))
    return 1.0 - ((2 * inter + eps) / (total + eps)).mean()


def train(model, loader, time_budget_s):
    start = time.monotonic()
    budget = 0.8 * time_budget_s  # stop early: the grader's clock also counts setup
    base_lr = 2e-2
    optimizer = torch.optim.Adam(model.parameters(), lr=base_lr)
    model.train()
    step = 0
    for _epoch in range(MAX_EPOCHS):
        for images, masks in loader:
            progress = (time.monotonic() - start) / budget
            if progress >= 1.0:
                return
            warmup = min(1.0, (step + 1) / WARMUP_STEPS)  # a high rate straight from init is unstable
            for group in optimizer.param_groups:
                group["lr"] = base_lr * warmup * max(0.05, 1.0 - progress)
            optimizer.zero_grad()
            logits = model(images)
            loss = F.cross_entropy(logits, masks) + dice_loss(logits, masks)
            loss.backward()
            optimizer.step()
            step += 1
