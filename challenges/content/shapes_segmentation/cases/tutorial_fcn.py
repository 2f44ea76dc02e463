"""Case: segmentation the way torchvision's FCN and its reference training script write it, scaled
down to fit the CPU: a strided conv backbone (output stride 8, so 32x32 -> 4x4), the FCNHead layout
(3x3 conv to in/4 channels, BatchNorm, ReLU, Dropout 0.1, 1x1 conv to the classes), bilinear
upsampling of the logits back to the input size, CrossEntropyLoss over (N, 3, H, W) logits, and
SGD with momentum and a "poly" learning-rate schedule. Fully convolutional, so it passes the
48x48 probe; the verdict rests on mIoU (see cases.toml). The FCN head is written out rather than
imported, so the case measures the model and not torchvision's import time."""

import time

import torch
import torch.nn.functional as F
from torch import nn


def conv_bn_relu(c_in, c_out, stride=1):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class FCNHead(nn.Sequential):
    def __init__(self, in_channels, channels):
        inter = in_channels // 4
        super().__init__(
            nn.Conv2d(in_channels, inter, 3, padding=1, bias=False),
            nn.BatchNorm2d(inter),
            nn.ReLU(),
            nn.Dropout(0.1),
            nn.Conv2d(inter, channels, 1),
        )


class FCN(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.backbone = nn.Sequential(
            conv_bn_relu(1, 16),
            conv_bn_relu(16, 32, stride=2),  # 16x16
            conv_bn_relu(32, 32),
            conv_bn_relu(32, 64, stride=2),  # 8x8
            conv_bn_relu(64, 64),
            conv_bn_relu(64, 128, stride=2),  # 4x4
            conv_bn_relu(128, 128),
        )
        self.classifier = FCNHead(128, num_classes)

    def forward(self, x):
        input_shape = x.shape[-2:]
        x = self.classifier(self.backbone(x))
        return F.interpolate(x, size=input_shape, mode="bilinear", align_corners=False)


def build_model():
    return FCN(num_classes=3)


def train(model, loader, time_budget_s):
    start = time.monotonic()
    num_epochs = 30
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, weight_decay=1e-4)
    total_iters = num_epochs * len(loader)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda it: (1 - it / total_iters) ** 0.9)
    criterion = nn.CrossEntropyLoss()
    model.train()
    for epoch in range(num_epochs):
        for images, targets in loader:
            if time.monotonic() - start > time_budget_s - 2:
                return
            output = model(images)
            loss = criterion(output, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
