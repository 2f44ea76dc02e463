"""Reference for checkpoint-surgery: load weights only, strip DataParallel's prefix, skip what
does not fit and say what was skipped."""

import torch


def load_checkpoint(model, path):
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    state = checkpoint.get("state_dict", checkpoint)
    state = {k.removeprefix("module."): v for k, v in state.items()}
    own = model.state_dict()
    unexpected = [k for k in state if k not in own]
    kept = {k: v for k, v in state.items() if k in own and v.shape == own[k].shape}
    model.load_state_dict(kept, strict=False)
    missing = [k for k in own if k not in kept]
    return missing, unexpected
