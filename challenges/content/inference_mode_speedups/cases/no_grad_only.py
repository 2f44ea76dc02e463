"""Case: no_grad without model.eval(): no graph, but Dropout and batch statistics still on."""

import torch


def predict(model, x):
    with torch.no_grad():
        return model(x)
