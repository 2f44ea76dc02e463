"""Case (real world): the PyTorch CIFAR-10 tutorial's `Net` and loop (SGD lr 0.001, momentum 0.9,
2 epochs), adapted to 1x28x28 inputs and 4 classes: conv(1, 6, 5) -> pool -> conv(6, 16, 5) ->
pool -> Flatten -> Linear(16*4*4, 120) -> Linear(120, 84) -> Linear(84, 4)."""

import time

import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)  # 3 colour channels -> 1 grey
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)  # 28x28 -> 24 -> 12 -> 8 -> 4
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 4)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def build_model():
    return Net()


def train(model, loader, time_budget_s):
    start = time.monotonic()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    for _epoch in range(2):  # loop over the dataset multiple times
        for inputs, labels in loader:
            if time.monotonic() - start > 0.8 * time_budget_s:
                return
            optimizer.zero_grad()
            loss = criterion(model(inputs), labels)
            loss.backward()
            optimizer.step()
