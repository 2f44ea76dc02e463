"""Case: the statistics are reshaped correctly, but `x - mean / std` divides only the mean."""

import torch


def normalise(x, mean, std):
    x = torch.as_tensor(x, dtype=torch.float32)
    mean = torch.as_tensor(mean, dtype=x.dtype).reshape(-1, 1, 1)
    std = torch.as_tensor(std, dtype=x.dtype).reshape(-1, 1, 1)
    return x - mean / std
