"""The fine-tuning tutorial's recipe: freeze, unfreeze layer4 and fc, and hand
`params_to_update` to one SGD with one lr. Freezing is right; the head does not get 10x."""

import torch.optim as optim


def make_optimizer(model):
    for param in model.parameters():
        param.requires_grad = False
    for module in (model.layer4, model.fc):
        for param in module.parameters():
            param.requires_grad = True
    params_to_update = [param for param in model.parameters() if param.requires_grad]
    return optim.SGD(params_to_update, lr=0.001, momentum=0.9)
