"""Case: switches the model to training mode: BatchNorm uses the batch's statistics (and updates
its running ones), so the features differ from the model's."""

from torchvision.models.feature_extraction import create_feature_extractor


def extract(model, x):
    model.train()
    return create_feature_extractor(model, return_nodes=["layer1", "layer2", "layer3", "layer4"])(x)
