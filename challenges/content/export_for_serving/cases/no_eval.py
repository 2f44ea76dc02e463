"""Case: torch.export with a dynamic batch, but the model is exported in training mode: Dropout and
BatchNorm's batch statistics are baked into the program, and its outputs differ from the eager
model in eval mode."""

import torch


def export(model, example_input, path):
    batch = torch.export.Dim("batch", min=1, max=1024)
    torch.export.save(torch.export.export(model, (example_input,), dynamic_shapes=({0: batch},)), path)
