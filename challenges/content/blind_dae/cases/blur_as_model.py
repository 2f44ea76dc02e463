"""Case: the grader's own baseline submitted as a model: a fixed 7x7 Gaussian blur (sigma 1.0,
replicate padding), no training. It gains about 5 dB on noisy images, so only the clean-input
criterion stops it: blurring a clean image costs it far more than 28 dB allows (design C7.3)."""

import torch
import torch.nn.functional as F
from torch import nn

SIGMA = 1.0
SIZE = 7


class GaussianBlur(nn.Module):
    def __init__(self, sigma=SIGMA, size=SIZE):
        super().__init__()
        offsets = torch.arange(size, dtype=torch.float32) - size // 2
        kernel = torch.exp(-(offsets**2) / (2 * sigma**2))
        kernel = kernel / kernel.sum()
        self.register_buffer("kernel", (kernel[:, None] * kernel[None, :])[None, None])
        self.pad = size // 2

    def forward(self, x):
        return F.conv2d(F.pad(x, [self.pad] * 4, mode="replicate"), self.kernel)


def build_model():
    return GaussianBlur()


def train(model, loader, time_budget_s):
    pass  # a blur learns nothing


def denoise(model, noisy):
    with torch.no_grad():
        return model(noisy)
