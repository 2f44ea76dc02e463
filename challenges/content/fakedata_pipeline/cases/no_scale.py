"""Case: v2.ToDtype(torch.float32) without scale=True keeps 0-255 values, so Normalize with
[0, 1] statistics leaves them far from mean 0, std 1."""

import torch
from torch.utils.data import DataLoader
from torchvision.datasets import FakeData
from torchvision.transforms import v2


def make_loader(n, batch_size):
    transform = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32),
                            v2.Normalize([0.5, 0.5, 0.5], [0.29, 0.29, 0.29])])
    data = FakeData(size=n, image_size=(3, 32, 32), num_classes=5, transform=transform)
    return DataLoader(data, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(0))
