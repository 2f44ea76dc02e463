"""Case: the reference with class names typed by hand, in the order one would say them;
ImageFolder numbers labels in sorted folder order, so the names and the labels disagree."""

import time

import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets
from torchvision.transforms import v2

MAX_EPOCHS = 200


def _transform():
    return v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize([0.5] * 3, [0.5] * 3)])


def make_loaders(root):
    train_set = datasets.ImageFolder(f"{root}/train", transform=_transform())
    val_set = datasets.ImageFolder(f"{root}/val", transform=_transform())
    return (DataLoader(train_set, batch_size=64, shuffle=True), DataLoader(val_set, batch_size=128),
            ["circle", "square", "triangle", "cross"])


def build_model(num_classes):
    def block(c_in, c_out):
        return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]

    return nn.Sequential(
        *block(3, 16), nn.MaxPool2d(2),  # 16x16
        *block(16, 32), nn.MaxPool2d(2),  # 8x8
        *block(32, 64),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, num_classes),
    )


def train(model, train_loader, time_budget_s):
    start = time.monotonic()
    budget = 0.8 * time_budget_s  # the grader's clock also counts setup
    xs, ys = zip(*[(x, y) for x, y in train_loader])
    images, labels = torch.cat(xs), torch.cat(ys)
    base_lr = 3e-3
    optimizer = torch.optim.Adam(model.parameters(), lr=base_lr)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _epoch in range(MAX_EPOCHS):
        order = torch.randperm(len(images))
        for i in range(0, len(images), 64):
            progress = (time.monotonic() - start) / budget
            if progress >= 1.0:
                return
            for group in optimizer.param_groups:
                group["lr"] = base_lr * max(0.02, 1.0 - progress)
            idx = order[i : i + 64]
            x = images[idx]
            flip = torch.rand(len(x)) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(-1), x)
            optimizer.zero_grad()
            loss = loss_fn(model(x), labels[idx])
            loss.backward()
            optimizer.step()
