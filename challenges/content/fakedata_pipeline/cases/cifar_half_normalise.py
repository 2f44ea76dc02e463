"""Case: the CIFAR-10 tutorial's Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)), seeded and shuffled.
It centres this data (its mean is 0.5) but the std comes out near 0.58, not 1."""

import torch
from torch.utils.data import DataLoader
from torchvision.datasets import FakeData
from torchvision.transforms import v2


def make_loader(n, batch_size):
    transform = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True),
                            v2.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    data = FakeData(size=n, image_size=(3, 32, 32), num_classes=5, transform=transform)
    return DataLoader(data, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(0))
