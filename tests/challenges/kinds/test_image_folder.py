"""The ``image_folder`` way of giving training data: files laid out as datasets ship, read back by
torchvision's own ImageFolder, and hidden images sent through the learner's val transform."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from pydantic import ValidationError
from torchvision import datasets
from torchvision.transforms import v2

from challenges.datagen import GENERATORS
from challenges.kinds.trained import TrainConfig
from challenges.kinds.trained_inside import _folder_transform, write_image_folder

CLASSES = ["circle", "square", "triangle", "cross"]


def test_the_folder_reads_back_with_imagefolder_in_sorted_class_order(tmp_path: Path) -> None:
    data = GENERATORS["shapes-rgb"](40, 7, size=32, noise=0.08)
    write_image_folder(tmp_path, data["png"], data["y"], CLASSES, 0.25)
    train = datasets.ImageFolder(str(tmp_path / "train"))
    val = datasets.ImageFolder(str(tmp_path / "val"))
    assert train.classes == sorted(CLASSES) == ["circle", "cross", "square", "triangle"]
    assert len(train) == 30 and len(val) == 10
    image, label = train[0]
    first = sorted((tmp_path / "train").rglob("*.png"))[0]
    assert np.array_equal(np.asarray(image), np.asarray(__import__("PIL.Image").Image.open(first)))  # lossless
    assert train.classes[label] == first.parent.name


def test_hidden_images_go_through_the_val_transform() -> None:
    pixels = GENERATORS["shapes-rgb"](3, 8, size=32)["png"]
    transform = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize([0.5] * 3, [0.5] * 3)])
    loader = SimpleNamespace(dataset=SimpleNamespace(transform=transform))
    batch = _folder_transform(loader)(pixels)
    assert batch.shape == (3, 3, 32, 32) and batch.dtype == torch.float32
    assert torch.allclose(batch, torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 255 * 2 - 1, atol=1e-6)
    pil_only = SimpleNamespace(dataset=SimpleNamespace(transform=v2.Resize(32)))
    with pytest.raises(TypeError, match="ToTensor"):
        _folder_transform(pil_only)(pixels)


def test_an_image_folder_names_its_classes() -> None:
    with pytest.raises(ValidationError):
        TrainConfig(gives="image_folder", arrays=["png", "y"], classes=["only"])
    with pytest.raises(ValidationError):
        TrainConfig(gives="image_folder", arrays=["png"], classes=CLASSES)
