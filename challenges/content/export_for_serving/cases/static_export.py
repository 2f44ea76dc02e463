"""Case: torch.export without dynamic_shapes. The program is specialised to the example's batch of
2, so the batches of 3, 7 and 16 fail its guard (design C2.2: a dynamic Dim is required)."""

import torch


def export(model, example_input, path):
    model.eval()
    torch.export.save(torch.export.export(model, (example_input,)), path)
