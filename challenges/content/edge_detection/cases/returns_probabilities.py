"""Case: predict_edges returns the sigmoid probabilities (float) instead of a bool mask. The
grader does not pick a threshold for the learner: a float map is not a prediction of edges."""

import time

import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 1, 3, padding=1))


def train(model, loader, time_budget_s):
    deadline = time.monotonic() + 1.0
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(3.0))
    for images, edges in loader:
        if time.monotonic() > deadline:
            return
        optimizer.zero_grad()
        loss_fn(model(images), edges.float()).backward()
        optimizer.step()


def predict_edges(model, x):
    return torch.sigmoid(model(x))  # probabilities, not the bool mask the contract asks for
