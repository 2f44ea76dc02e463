"""Case: the widely copied forum recipe: an `activation` dict filled by forward hooks that are
never removed. The features are right; the model keeps four hooks per call."""

activation = {}


def get_activation(name):
    def hook(model, input, output):
        activation[name] = output.detach()
    return hook


def extract(model, x):
    for name in ["layer1", "layer2", "layer3", "layer4"]:
        getattr(model, name).register_forward_hook(get_activation(name))
    model(x)
    return dict(activation)
