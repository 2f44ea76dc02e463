"""Reference solution for `feature-extract`: a frozen backbone, its features computed once, and a
linear head trained on them.

The recipe (calibration.md): the 40 images plus their horizontal/vertical flips and -3..3 pixel
shifts (every target shape keeps its label under them) make 7840 inputs; the backbone, in eval
mode and under no_grad, turns them into 64 features once; the features are standardised, a
linear head is trained full-batch with Adam, and the standardisation is folded into model.fc, so
the model maps images to logits with the backbone untouched.
"""

import time

import torch
from torch import nn

SHIFTS = (-3, -2, -1, 0, 1, 2, 3)
STEPS = 1000
LR = 1e-2


def adapt(pretrained, num_classes):
    pretrained.requires_grad_(False)  # no gradient reaches the backbone
    pretrained.fc = nn.Linear(pretrained.fc.in_features, num_classes)  # new parameters require grad
    return pretrained


def _augmented(loader):
    xs, ys = zip(*loader)
    x, y = torch.cat(xs), torch.cat(ys)
    views = [x, x.flip(-1), x.flip(-2), x.flip(-1).flip(-2)]
    shifted = [torch.roll(v, (dy, dx), (-2, -1)) for v in views for dy in SHIFTS for dx in SHIFTS]
    return torch.cat(shifted), y.repeat(len(shifted))


def train(model, few_shot_loader, time_budget_s):
    deadline = time.monotonic() + 0.7 * time_budget_s
    model.eval()  # BatchNorm keeps the pretrained running statistics
    x, y = _augmented(few_shot_loader)
    with torch.no_grad():
        features = model.features(x)
    mean, std = features.mean(0), features.std(0) + 1e-6
    z = (features - mean) / std
    head = nn.Linear(z.shape[1], model.fc.out_features)
    optimizer = torch.optim.Adam(head.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(STEPS):
        if time.monotonic() > deadline:
            break
        optimizer.zero_grad()
        loss_fn(head(z), y).backward()
        optimizer.step()
    with torch.no_grad():  # logits = head((f - mean) / std) = (W / std) f + (b - (W / std) mean)
        weight = head.weight / std
        model.fc.weight.copy_(weight)
        model.fc.bias.copy_(head.bias - weight @ mean)
