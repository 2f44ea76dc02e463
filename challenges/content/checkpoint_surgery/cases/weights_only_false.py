"""Old tutorials' torch.load(..., weights_only=False), to silence torch 2.6's UnpicklingError:
unpickling runs any code the file names, and the lint refuses it before anything runs."""

import torch


def load_checkpoint(model, path):
    checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    state = {k.removeprefix("module."): v for k, v in checkpoint["state_dict"].items()}
    own = model.state_dict()
    kept = {k: v for k, v in state.items() if k in own and v.shape == own[k].shape}
    model.load_state_dict(kept, strict=False)
    return [k for k in own if k not in kept], [k for k in state if k not in own]
