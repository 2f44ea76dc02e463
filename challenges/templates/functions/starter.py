"""Starter for `{id}`: normalise an image (C, H, W) or a batch (N, C, H, W) per channel.

`x` is a nested list of floats, `mean` and `std` are lists of C floats; return a float tensor of
the same shape as `x` where channel c is (x[c] - mean[c]) / std[c].

TODO(author): the starter of your own challenge: it runs and fails, for the reason the challenge
teaches (here: broadcasting lines dimensions up from the right).
"""

import torch


def normalise(x, mean, std):
    x = torch.as_tensor(x, dtype=torch.float32)
    # A first attempt: it runs on some shapes, but which dimension do mean and std meet?
    return (x - torch.as_tensor(mean)) / torch.as_tensor(std)
