"""Swaps the head first and freezes afterwards: the new head is frozen with the rest, so a
feature extractor would never learn."""

import torch.nn as nn
from torchvision import models


def build_model(arch, num_classes, feature_extract):
    if arch == "resnet":
        model = models.resnet18(weights=None)
        model.fc = nn.Linear(model.fc.in_features, num_classes)
    elif arch in ("alexnet", "vgg"):
        model = models.alexnet(weights=None) if arch == "alexnet" else models.vgg11_bn(weights=None)
        model.classifier[6] = nn.Linear(4096, num_classes)
    elif arch == "squeezenet":
        model = models.squeezenet1_0(weights=None)
        model.classifier[1] = nn.Conv2d(512, num_classes, kernel_size=1)
    else:
        model = models.densenet121(weights=None)
        model.classifier = nn.Linear(model.classifier.in_features, num_classes)
    if feature_extract:
        for p in model.parameters():
            p.requires_grad = False
    return model
