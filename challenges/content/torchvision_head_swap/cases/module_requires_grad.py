"""Freezes with `model.requires_grad = False`: that sets a plain attribute on the Module and
freezes no parameter (the method is `model.requires_grad_(False)`)."""

import torch.nn as nn
from torchvision import models


def build_model(arch, num_classes, feature_extract):
    if arch == "resnet":
        model = models.resnet18(weights=None)
        model.requires_grad = not feature_extract
        model.fc = nn.Linear(model.fc.in_features, num_classes)
    elif arch in ("alexnet", "vgg"):
        model = models.alexnet(weights=None) if arch == "alexnet" else models.vgg11_bn(weights=None)
        model.requires_grad = not feature_extract
        model.classifier[6] = nn.Linear(4096, num_classes)
    elif arch == "squeezenet":
        model = models.squeezenet1_0(weights=None)
        model.requires_grad = not feature_extract
        model.classifier[1] = nn.Conv2d(512, num_classes, kernel_size=1)
    else:
        model = models.densenet121(weights=None)
        model.requires_grad = not feature_extract
        model.classifier = nn.Linear(model.classifier.in_features, num_classes)
    return model
