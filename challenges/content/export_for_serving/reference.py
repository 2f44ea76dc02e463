"""Reference solution for `export-for-serving`: eval mode, torch.export with a dynamic batch
dimension, torch.export.save. The .pt2 file carries the graph and the weights, so a server loads
it with torch.export.load without the model's Python class."""

import torch


def export(model, example_input, path):
    model.eval()  # Dropout off, BatchNorm on its running statistics: what a server must run
    batch = torch.export.Dim("batch", min=1, max=1024)
    program = torch.export.export(model, (example_input,), dynamic_shapes=({0: batch},))
    torch.export.save(program, path)
