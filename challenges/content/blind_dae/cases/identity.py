"""Case: denoise() returns its input. Clean images come back perfect (the clean-input criterion
holds), but nothing is gained at any noise level: it must fail every level's gain."""

from torch import nn


def build_model():
    return nn.Identity()


def train(model, loader, time_budget_s):
    pass


def denoise(model, noisy):
    return noisy.clone()
