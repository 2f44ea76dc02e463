"""Case: eval and inference mode, but returns class indices instead of the model's output."""

import torch


def predict(model, x):
    model.eval()
    with torch.inference_mode():
        return model(x).argmax(dim=1)
