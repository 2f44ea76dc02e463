"""Reference for torchvision-head-swap: build the family with weights=None, freeze when asked,
then put a new num_classes-way layer where torchvision keeps the classifier."""

import torchvision.models as models
from torch import nn


def _freeze(model):
    for p in model.parameters():
        p.requires_grad = False


def build_model(arch, num_classes, feature_extract):
    if arch == "resnet":
        model = models.resnet18(weights=None)
        if feature_extract:
            _freeze(model)
        model.fc = nn.Linear(model.fc.in_features, num_classes)
    elif arch in ("alexnet", "vgg"):
        model = models.alexnet(weights=None) if arch == "alexnet" else models.vgg11_bn(weights=None)
        if feature_extract:
            _freeze(model)
        model.classifier[6] = nn.Linear(model.classifier[6].in_features, num_classes)
    elif arch == "squeezenet":
        model = models.squeezenet1_0(weights=None)
        if feature_extract:
            _freeze(model)
        # SqueezeNet classifies with a 1x1 convolution followed by global pooling
        model.classifier[1] = nn.Conv2d(512, num_classes, kernel_size=1)
        model.num_classes = num_classes
    elif arch == "densenet":
        model = models.densenet121(weights=None)
        if feature_extract:
            _freeze(model)
        model.classifier = nn.Linear(model.classifier.in_features, num_classes)
    else:
        raise ValueError(f"unknown arch {arch!r}")
    return model
