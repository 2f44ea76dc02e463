"""The reference with an image that does not exist: PyTorch 2.5.1 training images are built for py311 only, so py38 finds none."""

import argparse
import json
import os

import torch
from torch import nn


def build_model():
    return nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3))


def estimator_config():
    return {
        "entry_point": "train.py",
        "framework_version": "2.5.1",
        "py_version": "py38",
        "instance_type": "ml.g5.xlarge",
        "instance_count": 1,
        "hyperparameters": {"epochs": 3, "lr": 0.01},
    }


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "model"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAINING", "data"))
    parser.add_argument("--num-gpus", type=int, default=int(os.environ.get("SM_NUM_GPUS", "0")))
    parser.add_argument("--hosts", default=os.environ.get("SM_HOSTS", '["localhost"]'))
    args, _ = parser.parse_known_args()
    return args


def train(args):
    device = torch.device("cuda" if args.num_gpus > 0 and torch.cuda.is_available() else "cpu")
    hosts = json.loads(args.hosts)
    print(f"training on {device}, {len(hosts)} host(s)")
    x = torch.load(os.path.join(args.train, "features.pt"), weights_only=True).to(device)
    y = torch.load(os.path.join(args.train, "labels.pt"), weights_only=True).to(device)
    model = build_model().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        for start in range(0, len(x), 32):
            optimizer.zero_grad()
            loss = loss_fn(model(x[start:start + 32]), y[start:start + 32])
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}")
    torch.save(model.cpu().state_dict(), os.path.join(args.model_dir, "model.pth"))


def model_fn(model_dir):
    model = build_model()
    model.load_state_dict(torch.load(os.path.join(model_dir, "model.pth"), map_location="cpu", weights_only=True))
    return model.eval()


if __name__ == "__main__":
    train(parse_args())
