"""Case: build_model() raises. Must be reported as an error at the build stage."""


def build_model():
    raise RuntimeError("forgot to write the model")


def train(model, loader, time_budget_s):
    pass
