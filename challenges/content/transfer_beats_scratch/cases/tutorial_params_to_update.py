"""Case: the "Finetuning torchvision models" tutorial's feature-extract path, adapted.

From https://pytorch.org/tutorials/beginner/finetuning_torchvision_models_tutorial.html:
set_parameter_requires_grad(model, feature_extracting=True), a new head, then an optimizer over
params_to_update (the parameters that still require grad: the head's) with SGD(lr=0.001,
momentum=0.9). Must fail: no param group holds the backbone, so nothing adapts it to the new
domain (lr_ratio)."""

import time

import torch
from torch import nn


def set_parameter_requires_grad(model, feature_extracting):
    if feature_extracting:
        for param in model.parameters():
            param.requires_grad = False


def adapt(pretrained, num_classes):
    set_parameter_requires_grad(pretrained, True)
    pretrained.fc = nn.Linear(pretrained.fc.in_features, num_classes)
    return pretrained


def make_optimizer(model):
    params_to_update = [param for param in model.parameters() if param.requires_grad]
    return torch.optim.SGD(params_to_update, lr=0.01, momentum=0.9)


def train(model, optimizer, few_shot_loader, time_budget_s):
    criterion = nn.CrossEntropyLoss()
    deadline = time.monotonic() + 0.5 * time_budget_s
    for _epoch in range(25):
        model.train()
        for inputs, labels in few_shot_loader:
            if time.monotonic() > deadline:
                return
            optimizer.zero_grad()
            criterion(model(inputs), labels).backward()
            optimizer.step()
