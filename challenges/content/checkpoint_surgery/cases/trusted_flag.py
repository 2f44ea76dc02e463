"""A loader with a `trusted` switch, turned on because "it is my own checkpoint": the switch
becomes weights_only=False, and the planted payload runs."""

import torch


def _load(path, trusted=False):
    return torch.load(path, map_location="cpu", weights_only=not trusted)


def load_checkpoint(model, path):
    checkpoint = _load(path, trusted=True)
    state = {k.removeprefix("module."): v for k, v in checkpoint["state_dict"].items()}
    own = model.state_dict()
    kept = {k: v for k, v in state.items() if k in own and v.shape == own[k].shape}
    model.load_state_dict(kept, strict=False)
    return [k for k in own if k not in kept], [k for k in state if k not in own]
