"""Produce ``tiny_pretrained.pt``: the shipped ``Tiny``, trained reproducibly on the source task.

Run ``python -m challenges.pretrained.train_tiny [--out PATH] [--seed 0]``. Data: 6000 off-centre
source shapes (``make_shapes(..., centred=False)``, seed ``DATA_SEED``), a held-out 2000 for the
source accuracy. Recipe: Adam 3e-3 with a cosine decay, batch 64, ``EPOCHS`` epochs, horizontal
flips (all four source classes keep their label; rotations are left out on purpose: they would
teach the backbone to ignore orientation, which tells the target's bars apart). One thread and a
fixed step count, so the same seed writes the same weights on the same torch build.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import torch
from torch import nn

from challenges.datagen.shapes import make_shapes
from challenges.pretrained import PRETRAINED_FILE, Tiny

DATA_SEED = 90210
HELD_OUT_SEED = 90211
TRAIN_SIZE = 6000
HELD_OUT_SIZE = 2000
EPOCHS = 12
BATCH = 64
LR = 3e-3
SEED = 0


def source_accuracy(model: Tiny, n: int = HELD_OUT_SIZE, seed: int = HELD_OUT_SEED) -> float:
    x, y = make_shapes(n, seed, centred=False)
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(1).numpy()
    return float((pred == y).mean())


def train_tiny(seed: int = SEED, epochs: int = EPOCHS) -> Tiny:
    torch.manual_seed(seed)
    x_np, y_np = make_shapes(TRAIN_SIZE, DATA_SEED, centred=False)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    model = Tiny()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    steps = epochs * math.ceil(TRAIN_SIZE / BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s / steps, 1.0))))
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        order = torch.randperm(TRAIN_SIZE)
        for start in range(0, TRAIN_SIZE, BATCH):
            idx = order[start : start + BATCH]
            xb = x[idx]
            flip = torch.rand(len(idx)) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(-1), xb)
            opt.zero_grad()
            loss_fn(model(xb), y[idx]).backward()
            opt.step()
            schedule.step()
    return model.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PRETRAINED_FILE)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    started = time.monotonic()
    model = train_tiny(args.seed, args.epochs)
    took = time.monotonic() - started
    torch.save({k: v.detach().clone() for k, v in model.state_dict().items()}, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) in {took:.1f} s; "
          f"source accuracy {source_accuracy(model):.4f} on {HELD_OUT_SIZE} held-out images")


if __name__ == "__main__":
    main()
