"""Reference solution for `edge-detection`: a 4-conv dilated network (receptive field 15 px, about
7 k parameters) with BatchNorm, trained with BCEWithLogitsLoss(pos_weight=3) and Adam; the
learning rate decays linearly with the time used and training stops at 0.8 x the budget.

Why this shape: at sigma 0.30 a pixel and its 3x3 neighbourhood are mostly noise, so the net
needs a wider view (dilations 1-2-4 see 15x15) without the cost of pooling and upsampling back;
pos_weight 3 makes the ~10 % edge pixels weigh about as much as the rest, so the net does not
settle for "no edge anywhere". The prediction is the sigmoid above 0.5."""

import time

import torch
from torch import nn

MAX_EPOCHS = 100  # the clock ends training long before this
WIDTH = 16
POS_WEIGHT = 3.0


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
    )


def train(model, loader, time_budget_s):
    start = time.monotonic()
    budget = 0.8 * time_budget_s  # stop early: the grader's clock also counts setup
    base_lr = 1e-2
    optimizer = torch.optim.Adam(model.parameters(), lr=base_lr)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(POS_WEIGHT))
    model.train()
    for _epoch in range(MAX_EPOCHS):
        for images, edges in loader:
            progress = (time.monotonic() - start) / budget
            if progress >= 1.0:
                return
            for group in optimizer.param_groups:
                group["lr"] = base_lr * max(0.05, 1.0 - progress)
            optimizer.zero_grad()
            loss = loss_fn(model(images), edges.float())
            loss.backward()
            optimizer.step()


def predict_edges(model, x):
    return torch.sigmoid(model(x)) > 0.5
