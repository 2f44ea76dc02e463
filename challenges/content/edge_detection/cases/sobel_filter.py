"""Case (classic filter): no learning at all, a fixed Sobel filter as a model. build_model()
returns a Conv2d holding the two Sobel kernels; predict_edges thresholds the gradient magnitude
at 2.4, the value the grader's Sobel oracle picks at sigma 0.30. It reaches the oracle's F1 at
best, so it fails both bars."""

import torch
from torch import nn

THRESHOLD = 2.4


class Sobel(nn.Module):
    def __init__(self):
        super().__init__()
        kx = torch.tensor([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
        self.conv = nn.Conv2d(1, 2, 3, bias=False)
        self.conv.weight.data = torch.stack([kx, kx.t()])[:, None]
        self.conv.weight.requires_grad_(False)

    def forward(self, x):
        g = self.conv(nn.functional.pad(x, (1, 1, 1, 1), mode="replicate"))
        return g.pow(2).sum(1, keepdim=True).sqrt()


def build_model():
    return Sobel()


def train(model, loader, time_budget_s):
    pass  # nothing to learn


def predict_edges(model, x):
    return model(x) > THRESHOLD
