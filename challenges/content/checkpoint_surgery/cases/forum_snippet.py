"""The forum answer everyone copies for "Missing key(s) in state_dict: ... Unexpected key(s):
module.": cut 7 characters off every key, keep what matches, load with strict=False. Works on a
DataParallel checkpoint, but k[7:] mangles keys that have no prefix, and filtering first hides
the unexpected key from load_state_dict's report."""

from collections import OrderedDict

import torch


def load_checkpoint(model, path):
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    state_dict = checkpoint["state_dict"]
    new_state_dict = OrderedDict()
    for k, v in state_dict.items():
        name = k[7:]  # remove `module.`
        new_state_dict[name] = v
    model_dict = model.state_dict()
    pretrained_dict = {k: v for k, v in new_state_dict.items() if k in model_dict and v.size() == model_dict[k].size()}
    missing, unexpected = model.load_state_dict(pretrained_dict, strict=False)
    return missing, unexpected
