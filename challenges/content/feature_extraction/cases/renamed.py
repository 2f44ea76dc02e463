"""Case: create_feature_extractor with return_nodes as a dict, as torchvision's docs show it: the
keys become feat1..feat4."""

from torchvision.models.feature_extraction import create_feature_extractor


def extract(model, x):
    nodes = {"layer1": "feat1", "layer2": "feat2", "layer3": "feat3", "layer4": "feat4"}
    return create_feature_extractor(model, return_nodes=nodes)(x)
