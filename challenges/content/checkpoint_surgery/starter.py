"""checkpoint-surgery: load the checkpoint at `path` into `model`; return (missing, unexpected).

The file is a training checkpoint {'epoch', 'state_dict', 'optimizer', ...}; its state dict may
carry DataParallel's 'module.' prefix, a key the model lacks and a head of another shape.
"""

import torch


def load_checkpoint(model, path):
    # A first attempt: the saving-and-loading tutorial's one-liner, for a bare state dict.
    model.load_state_dict(torch.load(path, weights_only=True))
    return [], []
