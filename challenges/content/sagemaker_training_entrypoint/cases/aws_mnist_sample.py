"""The shape of the AWS PyTorch MNIST sample's entry point (sagemaker-python-sdk example notebook
`pytorch_mnist`), adapted to this data: argparse defaults from SM_HOSTS, SM_CURRENT_HOST,
SM_MODEL_DIR, SM_CHANNEL_TRAINING and SM_NUM_GPUS, a training loop, the state_dict saved on CPU.
Its estimator is the notebook's: PyTorch 1.8.0 / py3 on two ml.c4.xlarge instances, a CPU
instance type where this job is meant to train on a GPU, and two hosts for a script that does
not distribute its training."""

import argparse
import json
import os

import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 64)
        self.fc2 = nn.Linear(64, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def estimator_config():
    return {
        "entry_point": "train.py",
        "framework_version": "1.8.0",
        "py_version": "py3",
        "instance_type": "ml.c4.xlarge",
        "instance_count": 2,
        "hyperparameters": {"epochs": 1, "lr": 0.01},
    }


def train(args):
    use_cuda = args.num_gpus > 0 and torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")
    torch.manual_seed(args.seed)
    x = torch.load(os.path.join(args.data_dir, "features.pt"), weights_only=True)
    y = torch.load(os.path.join(args.data_dir, "labels.pt"), weights_only=True)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=args.batch_size, shuffle=True)
    model = Net().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    for epoch in range(1, args.epochs + 1):
        model.train()
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(data), target)
            loss.backward()
            optimizer.step()
        print("Train Epoch: {} Loss: {:.6f}".format(epoch, loss.item()))
    save_model(model, args.model_dir)


def model_fn(model_dir):
    model = Net()
    with open(os.path.join(model_dir, "model.pth"), "rb") as f:
        model.load_state_dict(torch.load(f, map_location="cpu", weights_only=True))
    return model


def save_model(model, model_dir):
    path = os.path.join(model_dir, "model.pth")
    torch.save(model.cpu().state_dict(), path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--momentum", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hosts", type=list, default=json.loads(os.environ["SM_HOSTS"]))
    parser.add_argument("--current-host", type=str, default=os.environ["SM_CURRENT_HOST"])
    parser.add_argument("--model-dir", type=str, default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--data-dir", type=str, default=os.environ["SM_CHANNEL_TRAINING"])
    parser.add_argument("--num-gpus", type=int, default=os.environ["SM_NUM_GPUS"])
    train(parser.parse_args())
