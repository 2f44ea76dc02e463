"""inference.py for the SageMaker PyTorch serving container (our reference)."""

import io
import json
import os

import numpy as np
import torch
from torch import nn

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 16)
        self.dropout = nn.Dropout(0.5)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(self.dropout(torch.relu(self.fc1(x))))


def model_fn(model_dir):
    state = torch.load(os.path.join(model_dir, "model.pth"), map_location=DEVICE, weights_only=True)
    state = {k.removeprefix("module."): v for k, v in state.items()}  # saved from DataParallel
    model = Net()
    model.load_state_dict(state)
    return model.to(DEVICE).eval()


def input_fn(body, content_type):
    if content_type == "application/json":
        data = np.asarray(json.loads(body), dtype=np.float32)
    elif content_type == "application/x-npy":
        data = np.load(io.BytesIO(body), allow_pickle=False).astype(np.float32)
    else:
        raise ValueError(f"unsupported content type {content_type!r}: send application/json or application/x-npy")
    return torch.from_numpy(data).to(DEVICE)


def predict_fn(data, model):
    with torch.no_grad():
        return model(data)


def output_fn(prediction, accept):
    if accept not in ("application/json", "*/*"):
        raise ValueError(f"unsupported accept type {accept!r}")
    return json.dumps(prediction.argmax(dim=1).tolist())
