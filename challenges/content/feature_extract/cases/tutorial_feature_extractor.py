"""Case: the PyTorch transfer-learning tutorial's "ConvNet as fixed feature extractor", adapted.

From https://pytorch.org/tutorials/beginner/transfer_learning_tutorial.html: freeze every
parameter, replace fc, optimise fc only with SGD(lr=0.001, momentum=0.9) and StepLR(7, 0.1), and
train with train_model(), which calls model.train() at the start of every training phase. Here the
lr is raised to 0.01 for 40 images. Must fail: model.train() puts the frozen backbone's BatchNorm
in training mode, so its running statistics drift although no weight changes.
"""

import time

import torch
from torch import nn
from torch.optim import lr_scheduler


def adapt(pretrained, num_classes):
    model_conv = pretrained
    for param in model_conv.parameters():
        param.requires_grad = False
    num_ftrs = model_conv.fc.in_features
    model_conv.fc = nn.Linear(num_ftrs, num_classes)
    return model_conv


def train(model, few_shot_loader, time_budget_s):
    criterion = nn.CrossEntropyLoss()
    optimizer_conv = torch.optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)
    exp_lr_scheduler = lr_scheduler.StepLR(optimizer_conv, step_size=7, gamma=0.1)
    deadline = time.monotonic() + 0.6 * time_budget_s
    for _epoch in range(25):
        model.train()  # train_model(): "Set model to training mode"
        for inputs, labels in few_shot_loader:
            if time.monotonic() > deadline:
                return
            optimizer_conv.zero_grad()
            loss = criterion(model(inputs), labels)
            loss.backward()
            optimizer_conv.step()
        exp_lr_scheduler.step()
