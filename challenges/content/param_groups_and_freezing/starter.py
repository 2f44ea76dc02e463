"""param-groups-and-freezing: return an optimizer for the torchvision resnet18 `model`.

Requirements: layer4 and fc train and everything else is frozen; fc's lr is 10x layer4's;
BatchNorm weights/biases and biases get no weight decay.
"""

import torch


def make_optimizer(model):
    # A first attempt: one lr and one weight decay for everything, and nothing frozen.
    return torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=1e-4)
