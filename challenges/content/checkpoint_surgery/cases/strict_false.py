"""Strips the prefix and trusts strict=False to skip what does not fit: it skips missing and
unexpected keys, but a shape mismatch still raises."""

import torch


def load_checkpoint(model, path):
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    state = {k.removeprefix("module."): v for k, v in checkpoint["state_dict"].items()}
    result = model.load_state_dict(state, strict=False)
    return result.missing_keys, result.unexpected_keys
