"""Only model_fn, and torch.load without map_location: the bug that breaks a GPU-trained model on a
CPU endpoint. Everything else is right (the toolkit's defaults decode, predict and encode)."""

import os

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 16)
        self.dropout = nn.Dropout(0.5)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(self.dropout(torch.relu(self.fc1(x))))


def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.pth"), "rb") as f:
        state = torch.load(f)
    model = Net()
    model.load_state_dict({k.removeprefix("module."): v for k, v in state.items()})
    return model.eval()
