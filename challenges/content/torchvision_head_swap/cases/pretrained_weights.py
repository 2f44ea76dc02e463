"""The tutorial run as published, with use_pretrained=True: every build downloads ImageNet
weights, which the grader (no network) refuses."""

import torch.nn as nn
from torchvision import models


def build_model(arch, num_classes, feature_extract):
    ctor = {"resnet": models.resnet18, "alexnet": models.alexnet, "vgg": models.vgg11_bn,
            "squeezenet": models.squeezenet1_0, "densenet": models.densenet121}[arch]
    model = ctor(weights="DEFAULT")
    if feature_extract:
        for p in model.parameters():
            p.requires_grad = False
    if arch == "resnet":
        model.fc = nn.Linear(model.fc.in_features, num_classes)
    elif arch in ("alexnet", "vgg"):
        model.classifier[6] = nn.Linear(model.classifier[6].in_features, num_classes)
    elif arch == "squeezenet":
        model.classifier[1] = nn.Conv2d(512, num_classes, kernel_size=1)
    else:
        model.classifier = nn.Linear(model.classifier.in_features, num_classes)
    return model
