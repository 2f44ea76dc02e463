"""Case: train() keeps allocating memory. Must end with the memory status (limit 2 GB)."""

import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(4 * 26 * 26, 4))


def train(model, loader, time_budget_s):
    hoard = []
    for _ in range(64):  # up to 16 GB, touched page by page
        hoard.append(torch.ones(64 * 1024 * 1024))
