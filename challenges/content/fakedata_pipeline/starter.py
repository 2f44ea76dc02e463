"""fakedata-pipeline: return a DataLoader over torchvision's FakeData.

make_loader(n, batch_size) must return a DataLoader over
    FakeData(size=n, image_size=(3, 32, 32), num_classes=5, transform=v2.Compose([...]))
whose batches are (float32 images normalised per channel, int64 labels), that shuffles every
epoch, and whose shuffling is reproducible from one make_loader call to the next.
"""

import torch
from torch.utils.data import DataLoader
from torchvision.datasets import FakeData
from torchvision.transforms import v2


def make_loader(n, batch_size):
    # A first attempt: images come out as uint8 tensors, unnormalised, in a fixed order.
    dataset = FakeData(size=n, image_size=(3, 32, 32), num_classes=5, transform=v2.Compose([v2.ToImage()]))
    return DataLoader(dataset, batch_size=batch_size)
