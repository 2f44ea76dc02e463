"""Case: the PyTorch transfer-learning tutorial's "Finetuning the ConvNet", adapted.

From https://pytorch.org/tutorials/beginner/transfer_learning_tutorial.html: replace fc, then
SGD(model_ft.parameters(), lr=0.001, momentum=0.9) with StepLR(step_size=7, gamma=0.1), trained
by train_model() for 25 epochs. Must fail: one learning rate for the backbone and the head."""

import time

import torch
from torch import nn
from torch.optim import lr_scheduler


def adapt(pretrained, num_classes):
    model_ft = pretrained
    num_ftrs = model_ft.fc.in_features
    model_ft.fc = nn.Linear(num_ftrs, num_classes)
    return model_ft


def make_optimizer(model):
    return torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)


def train(model, optimizer, few_shot_loader, time_budget_s):
    criterion = nn.CrossEntropyLoss()
    scheduler = lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)
    deadline = time.monotonic() + 0.6 * time_budget_s
    for _epoch in range(25):
        model.train()
        for inputs, labels in few_shot_loader:
            if time.monotonic() > deadline:
                return
            optimizer.zero_grad()
            criterion(model(inputs), labels).backward()
            optimizer.step()
        scheduler.step()
