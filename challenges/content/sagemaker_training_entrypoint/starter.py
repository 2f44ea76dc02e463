"""train.py: the script SageMaker runs in the training container. Fill in the TODOs."""

import argparse
import os

import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3))


def estimator_config():
    # TODO: the arguments of sagemaker.pytorch.PyTorch(...) for one GPU instance
    return {"entry_point": "train.py"}


def model_fn(model_dir):
    model = build_model()
    model.load_state_dict(torch.load(os.path.join(model_dir, "model.pth"), map_location="cpu", weights_only=True))
    return model.eval()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    # TODO: read the data from the training channel, train, save model.pth where SageMaker collects it
