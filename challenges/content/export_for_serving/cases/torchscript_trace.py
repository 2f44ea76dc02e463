"""Case: TorchScript via torch.jit.trace in eval mode, as many serving guides still show. It loads
without the class and runs any batch size: it passes, with a deprecation warning (design C2.2)."""

import torch


def export(model, example_input, path):
    model.eval()
    torch.jit.trace(model, example_input).save(path)
