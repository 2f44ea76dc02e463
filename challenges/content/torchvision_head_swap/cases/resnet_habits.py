"""Treats every family like a resnet: densenet gets a new `fc` attribute (unused: its
classifier is `classifier`), and squeezenet's 1x1 classifier conv becomes a Linear, which
cannot take its (N, 512, 13, 13) feature map."""

import torch.nn as nn
from torchvision import models


def _freeze(model, feature_extract):
    if feature_extract:
        for p in model.parameters():
            p.requires_grad = False


def build_model(arch, num_classes, feature_extract):
    if arch == "resnet":
        model = models.resnet18(weights=None)
        _freeze(model, feature_extract)
        model.fc = nn.Linear(model.fc.in_features, num_classes)
    elif arch in ("alexnet", "vgg"):
        model = models.alexnet(weights=None) if arch == "alexnet" else models.vgg11_bn(weights=None)
        _freeze(model, feature_extract)
        model.classifier[6] = nn.Linear(4096, num_classes)
    elif arch == "squeezenet":
        model = models.squeezenet1_0(weights=None)
        _freeze(model, feature_extract)
        model.classifier[1] = nn.Linear(512, num_classes)
    else:
        model = models.densenet121(weights=None)
        _freeze(model, feature_extract)
        model.fc = nn.Linear(1024, num_classes)
    return model
