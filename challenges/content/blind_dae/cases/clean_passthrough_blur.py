"""Case: a hand-written blind "denoiser" that learns nothing. A clean shape image holds exactly
two grey values (background and shape), a noisy one hundreds: return an image with at most two
distinct values unchanged, blur every other one (7x7 Gaussian, sigma 1.0). Clean inputs come back
perfect (100 dB) and every noise level gains what the blur gains (about 5 dB), which would pass
the design's first 4 dB mark; at 6 dB every level fails (calibration.md)."""

import torch
import torch.nn.functional as F
from torch import nn

SIGMA = 1.0
SIZE = 7


class PassthroughBlur(nn.Module):
    def __init__(self):
        super().__init__()
        offsets = torch.arange(SIZE, dtype=torch.float32) - SIZE // 2
        kernel = torch.exp(-(offsets**2) / (2 * SIGMA**2))
        kernel = kernel / kernel.sum()
        self.register_buffer("kernel", (kernel[:, None] * kernel[None, :])[None, None])

    def forward(self, x):
        blurred = F.conv2d(F.pad(x, [SIZE // 2] * 4, mode="replicate"), self.kernel)
        clean = torch.tensor([len(torch.unique(image)) <= 2 for image in x]).view(-1, 1, 1, 1)
        return torch.where(clean, x, blurred)


def build_model():
    return PassthroughBlur()


def train(model, loader, time_budget_s):
    pass  # nothing to learn


def denoise(model, noisy):
    model.eval()
    with torch.no_grad():
        return model(noisy)
