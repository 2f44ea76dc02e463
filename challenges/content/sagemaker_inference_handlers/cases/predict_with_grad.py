"""Every handler written by hand, but predict_fn runs the model with autograd on, and input_fn
falls back to JSON for any content type instead of refusing it."""

import io
import json
import os

import numpy as np
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
    state = torch.load(os.path.join(model_dir, "model.pth"), map_location="cpu", weights_only=True)
    model = Net()
    model.load_state_dict({k.removeprefix("module."): v for k, v in state.items()})
    return model.eval()


def input_fn(body, content_type):
    if content_type == "application/x-npy":
        return torch.from_numpy(np.load(io.BytesIO(body)))
    try:
        return torch.tensor(json.loads(body), dtype=torch.float32)
    except Exception:
        return torch.zeros(1, 6)


def predict_fn(data, model):
    return model(data)


def output_fn(prediction, accept):
    return json.dumps(prediction.tolist())
