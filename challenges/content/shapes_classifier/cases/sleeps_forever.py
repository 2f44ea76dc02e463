"""Case: train() never returns. Must time out (hard kill at wall_s)."""

import time

from torch import nn


def build_model():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(4 * 26 * 26, 4))


def train(model, loader, time_budget_s):
    while True:
        time.sleep(1.0)
