"""The shipped pretrained network (design §2.7): the file loads with weights_only=True, holds the
documented architecture, is small, and the class both sides build from matches it."""

from __future__ import annotations

import torch
from torch import nn

from challenges.pretrained import (
    PRETRAINED_FILE,
    Tiny,
    backbone_keys,
    load_pretrained,
    pretrained_state,
    tiny_from_state,
)

MAX_BYTES = 1 << 20


def test_the_shipped_file_is_a_small_state_dict_loaded_weights_only() -> None:
    assert PRETRAINED_FILE.stat().st_size < MAX_BYTES
    state = torch.load(PRETRAINED_FILE, map_location="cpu", weights_only=True)
    assert isinstance(state, dict) and all(isinstance(v, torch.Tensor) for v in state.values())
    assert set(state) == set(Tiny().state_dict())
    for key, tensor in Tiny().state_dict().items():
        assert state[key].shape == tensor.shape and state[key].dtype == tensor.dtype, key


def test_the_architecture_is_the_documented_one() -> None:
    model = load_pretrained()
    convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.padding) for c in convs] == [
        (1, 16, (3, 3), (1, 1)), (16, 32, (3, 3), (1, 1)), (32, 64, (3, 3), (1, 1))]
    kinds = [type(m).__name__ for m in model.features]
    assert kinds == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d",
                     "Conv2d", "BatchNorm2d", "ReLU", "AdaptiveAvgPool2d", "Flatten"]
    assert (model.fc.in_features, model.fc.out_features) == (64, 4)
    assert sum(p.numel() for p in model.parameters()) < 25_000
    assert not model.training
    with torch.no_grad():
        assert model(torch.rand(5, 1, 28, 28)).shape == (5, 4)


def test_the_weights_are_trained_and_copies_do_not_alias_the_shipped_ones() -> None:
    state = pretrained_state()
    assert float(state["features.1.running_var"].std()) > 0  # trained statistics, not the init's ones
    assert int(state["features.1.num_batches_tracked"]) > 1000
    state["features.0.weight"][:] = 0
    assert float(abs(pretrained_state()["features.0.weight"]).sum()) > 0
    rebuilt = tiny_from_state(pretrained_state())
    assert all(torch.equal(a, b) for a, b in zip(rebuilt.state_dict().values(), load_pretrained().state_dict().values(),
                                                 strict=True))
    assert backbone_keys(state) and all(k.startswith("features.") for k in backbone_keys(state))


def test_it_still_classifies_the_source_shapes() -> None:
    from challenges.pretrained.train_tiny import source_accuracy

    assert source_accuracy(load_pretrained(), n=400) >= 0.97
