"""Case: drop_last=True, a common training-loop habit: the short last batch is dropped, so
len(loader) is floor(n / batch_size) and some samples never appear in an epoch."""

import torch
from torch.utils.data import DataLoader
from torchvision.datasets import FakeData
from torchvision.transforms import v2


def make_loader(n, batch_size):
    transform = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True),
                            v2.Normalize([0.5, 0.5, 0.5], [0.29, 0.29, 0.29])])
    data = FakeData(size=n, image_size=(3, 32, 32), num_classes=5, transform=transform)
    return DataLoader(data, batch_size=batch_size, shuffle=True, drop_last=True,
                      generator=torch.Generator().manual_seed(0))
