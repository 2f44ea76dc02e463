"""Case: the same hooks, with their handles removed in a finally block: correct."""

import torch


def extract(model, x):
    features = {}
    handles = []
    for name in ["layer1", "layer2", "layer3", "layer4"]:
        def hook(module, inputs, output, name=name):
            features[name] = output.detach()
        handles.append(getattr(model, name).register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return features
