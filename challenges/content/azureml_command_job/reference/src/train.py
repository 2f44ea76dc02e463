"""src/train.py: the training script of the Azure ML command job (our reference)."""

import argparse
import os

import torch
from torch import nn


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--model-dir", required=True)
    args = parser.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.load(os.path.join(args.data, "features.pt"), weights_only=True).to(device)
    y = torch.load(os.path.join(args.data, "labels.pt"), weights_only=True).to(device)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        for start in range(0, len(x), 64):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x[start:start + 64]), y[start:start + 64])
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}")
    os.makedirs(args.model_dir, exist_ok=True)
    torch.save(model.cpu().state_dict(), os.path.join(args.model_dir, "model.pt"))


if __name__ == "__main__":
    main()
