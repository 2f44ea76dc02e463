"""Reference solution for `{id}`: normalise each channel with its own mean and std.

TODO(author): replace with the solution of your own challenge.
"""

import torch


def normalise(x, mean, std):
    x = torch.as_tensor(x, dtype=torch.float32)
    # (C,) -> (C, 1, 1): broadcasting lines dimensions up from the right, so the statistics
    # now meet the channel dimension of (C, H, W) and of (N, C, H, W) alike.
    mean = torch.as_tensor(mean, dtype=x.dtype).reshape(-1, 1, 1)
    std = torch.as_tensor(std, dtype=x.dtype).reshape(-1, 1, 1)
    return (x - mean) / std
