"""Only a correct model_fn: the toolkit's default input_fn decodes JSON and NPY (and refuses other
types with its UnsupportedFormatError), its predict_fn runs under no_grad, its output_fn writes the
scores as JSON. This is how most SageMaker PyTorch examples are written."""

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
    state = torch.load(os.path.join(model_dir, "model.pth"), map_location=device, weights_only=True)
    model = Net()
    model.load_state_dict({k.replace("module.", "", 1) if k.startswith("module.") else k: v for k, v in state.items()})
    return model.to(device).eval()
