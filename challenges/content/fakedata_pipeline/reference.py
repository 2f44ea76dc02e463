"""Reference for fakedata-pipeline: FakeData -> float32 in [0, 1] -> normalised with its own
statistics, in a shuffling DataLoader seeded by its own generator."""

import torch
from torch.utils.data import DataLoader
from torchvision.datasets import FakeData
from torchvision.transforms import v2

TO_FLOAT = [v2.ToImage(), v2.ToDtype(torch.float32, scale=True)]


def channel_stats(n):
    """Per-channel mean and std of FakeData's images after scaling to [0, 1] (one pass)."""
    raw = FakeData(size=n, image_size=(3, 32, 32), num_classes=5, transform=v2.Compose(TO_FLOAT))
    images = torch.stack([raw[i][0] for i in range(n)])
    return images.mean(dim=(0, 2, 3)).tolist(), images.std(dim=(0, 2, 3)).tolist()


def make_loader(n, batch_size):
    mean, std = channel_stats(n)
    dataset = FakeData(size=n, image_size=(3, 32, 32), num_classes=5,
                       transform=v2.Compose([*TO_FLOAT, v2.Normalize(mean, std)]))
    generator = torch.Generator().manual_seed(0)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator)
