"""Case: the tutorials' evaluation loop: model.eval() then `with torch.no_grad():`. Correct;
inference_mode would go a little further (a warning says so)."""

import torch


def predict(model, x):
    model.eval()
    with torch.no_grad():
        outputs = model(x)
    return outputs
