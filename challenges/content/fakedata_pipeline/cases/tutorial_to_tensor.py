"""Case: the PyTorch data tutorial's recipe (ToTensor, shuffle=True, no generator, no
normalisation), written for FakeData. Float32 in [0, 1] and shuffled, but neither normalised nor
reproducible."""

from torch.utils.data import DataLoader
from torchvision import transforms
from torchvision.datasets import FakeData


def make_loader(n, batch_size):
    data = FakeData(size=n, image_size=(3, 32, 32), num_classes=5, transform=transforms.ToTensor())
    return DataLoader(data, batch_size=batch_size, shuffle=True)
