"""The model_fn of the AWS PyTorch MNIST sample notebook (sagemaker-python-sdk examples), adapted to
this Net: the model is wrapped in DataParallel before loading, torch.load has no map_location and
the model is never put in eval mode. With a state_dict whose keys are only partly prefixed, the
DataParallel wrapper cannot load it."""

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
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = torch.nn.DataParallel(Net())
    with open(os.path.join(model_dir, "model.pth"), "rb") as f:
        model.load_state_dict(torch.load(f))
    return model.to(device)
