"""Case (real world): pytorch/examples mnist/main.py's `Net` and its training recipe (Adadelta,
lr 1.0, StepLR gamma 0.7 per epoch, nll_loss on log_softmax), adapted to 4 classes and to the
time budget. Two convolutions, max pooling, dropout, then Flatten -> Linear(9216, 128): 1.2 M
parameters, most of them in a Linear that sees every position separately."""

import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.lr_scheduler import StepLR


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 4)  # 10 digits -> 4 shapes

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


def build_model():
    return Net()


def train(model, loader, time_budget_s):
    start = time.monotonic()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    model.train()
    for _epoch in range(14):
        for data, target in loader:
            if time.monotonic() - start > 0.8 * time_budget_s:
                return
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()
        scheduler.step()
