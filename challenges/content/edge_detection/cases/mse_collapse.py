"""Case: the reference's network and schedule, trained with nn.MSELoss on sigmoid outputs against
the 0/1 edge map. The design expected MSE to collapse here; with this net (BatchNorm, dilations,
Adam 1e-2) it does not: about 0.97 F1, a pass. The collapse is the weak starter's (mse_small_net.py)."""

import time

import torch
from torch import nn

WIDTH = 16


def conv_bn_relu(c_in, c_out, dilation):
    return [nn.Conv2d(c_in, c_out, 3, padding=dilation, dilation=dilation, bias=False),
            nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


def build_model():
    return nn.Sequential(
        *conv_bn_relu(1, WIDTH, 1),
        *conv_bn_relu(WIDTH, WIDTH, 2),
        *conv_bn_relu(WIDTH, WIDTH, 4),
        *conv_bn_relu(WIDTH, WIDTH, 1),
        nn.Conv2d(WIDTH, 1, 1),
        nn.Sigmoid(),
    )


def train(model, loader, time_budget_s):
    start = time.monotonic()
    budget = 0.8 * time_budget_s
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.MSELoss()
    model.train()
    for _epoch in range(100):
        for images, edges in loader:
            progress = (time.monotonic() - start) / budget
            if progress >= 1.0:
                return
            for group in optimizer.param_groups:
                group["lr"] = 1e-2 * max(0.05, 1.0 - progress)
            optimizer.zero_grad()
            loss = loss_fn(model(images), edges.float())
            loss.backward()
            optimizer.step()


def predict_edges(model, x):
    return model(x) > 0.5
