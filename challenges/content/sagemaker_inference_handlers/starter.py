"""inference.py: the module a SageMaker PyTorch endpoint imports. Fill in the handlers."""

import torch
from torch import nn


class Net(nn.Module):
    """The architecture model.pth was saved from (keep it as it is)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 16)
        self.dropout = nn.Dropout(0.5)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(self.dropout(torch.relu(self.fc1(x))))


def model_fn(model_dir):
    # TODO: load model_dir/model.pth into the model (it was saved on a GPU box, from DataParallel)
    return Net()


# TODO: input_fn(body, content_type), predict_fn(data, model), output_fn(prediction, accept)
