"""inference-mode-speedups: predict with a trained model, the way serving code should.

`model` arrives in training mode, as it is right after training; `x` is a float32 batch.
Return model's predictions: the raw output tensor, computed in evaluation mode, without autograd.
"""


def predict(model, x):
    # A first attempt: this runs, but in which mode, and does autograd record a graph?
    return model(x)
