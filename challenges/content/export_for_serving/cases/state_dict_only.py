"""Case: torch.save(model.state_dict(), path), the way PyTorch's "Saving and loading models"
tutorial recommends saving for training. A server that only has the file has no class to load the
weights into: fails in the fresh process."""

import torch


def export(model, example_input, path):
    model.eval()
    torch.save(model.state_dict(), path)
