"""torchvision-head-swap: return a torchvision model for `arch` with a new num_classes-way head.

arch is one of "resnet", "alexnet", "vgg", "squeezenet", "densenet". Build it with
weights=None (the grader has no network), replace its classifier layer, and with
feature_extract freeze everything but the new head.
"""

import torchvision.models as models


def build_model(arch, num_classes, feature_extract):
    # A first attempt: the right families, but ImageNet's 1000-class heads and nothing frozen.
    constructors = {
        "resnet": models.resnet18,
        "alexnet": models.alexnet,
        "vgg": models.vgg11_bn,
        "squeezenet": models.squeezenet1_0,
        "densenet": models.densenet121,
    }
    return constructors[arch](weights=None)
