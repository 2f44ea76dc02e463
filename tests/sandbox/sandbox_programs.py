"""Idiomatic PyTorch programs, tutorial style, that the lint layer must accept and the sandbox must run.

Each is short (a few training steps on synthetic data) and prints ``DONE`` at the end.
"""

from __future__ import annotations

PROGRAMS: dict[str, str] = {}

PROGRAMS["mlp_regression"] = '''
import torch
from torch import nn

torch.manual_seed(0)
x = torch.linspace(-1, 1, 64).unsqueeze(1)
y = 3 * x + 0.5
model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(20):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(f"epoch {epoch}: loss {loss.item():.4f}")
print("DONE")
'''

PROGRAMS["module_subclass"] = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.fc1 = nn.Linear(10, hidden)
        self.fc2 = nn.Linear(hidden, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


net = Net()
out = net(torch.randn(4, 10))
print(out.shape)
print("DONE")
'''

PROGRAMS["old_style_super"] = '''
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.layer = nn.Linear(4, 2)
        self._cache = None

    def forward(self, x):
        self._cache = x.detach()
        return self.layer(x)

    def __repr__(self):
        return f"Net(cached={self._cache is not None})"


net = Net()
net(torch.ones(1, 4))
print(repr(net))
print("DONE")
'''

PROGRAMS["dataset_dataloader"] = '''
import torch
from torch.utils.data import DataLoader, Dataset


class Squares(Dataset):
    def __init__(self, n=100):
        self.x = torch.arange(n, dtype=torch.float32).unsqueeze(1) / n
        self.y = self.x ** 2

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]


loader = DataLoader(Squares(), batch_size=16, shuffle=True)
model = torch.nn.Linear(1, 1)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for xb, yb in loader:
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(xb), yb)
    loss.backward()
    opt.step()
print("batches", len(loader))
print("DONE")
'''

PROGRAMS["cnn_classifier"] = '''
import torch
from torch import nn


class SmallCNN(nn.Module):
    def __init__(self, classes=4):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.head = nn.Linear(16, classes)

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))


model = SmallCNN()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
images, labels = torch.randn(32, 1, 28, 28), torch.randint(0, 4, (32,))
for step in range(5):
    optimizer.zero_grad()
    loss = criterion(model(images), labels)
    loss.backward()
    optimizer.step()
model.eval()
with torch.no_grad():
    accuracy = (model(images).argmax(dim=1) == labels).float().mean().item()
print(f"accuracy {accuracy:.2f}")
print("DONE")
'''

PROGRAMS["rnn_sequence"] = '''
import torch
from torch import nn


class SeqModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(input_size=3, hidden_size=8, batch_first=True)
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        output, hidden = self.rnn(x)
        return self.out(output[:, -1])


model = SeqModel()
x = torch.randn(16, 5, 3)
y = x.sum(dim=(1, 2)).unsqueeze(1)
opt = torch.optim.RMSprop(model.parameters(), lr=1e-2)
for _ in range(5):
    opt.zero_grad()
    loss = nn.MSELoss()(model(x), y)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
print("DONE")
'''

PROGRAMS["lstm_bidirectional"] = '''
import torch
from torch import nn

lstm = nn.LSTM(4, 6, num_layers=2, bidirectional=True, batch_first=True)
head = nn.Linear(12, 2)
x = torch.randn(3, 7, 4)
out, (h, c) = lstm(x)
logits = head(out)
print(logits.shape, h.shape)
print("DONE")
'''

PROGRAMS["autoencoder"] = '''
import torch
from torch import nn


class AutoEncoder(nn.Module):
    def __init__(self, dim=64, code=8):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(dim, 32), nn.ReLU(), nn.Linear(32, code))
        self.decoder = nn.Sequential(nn.Linear(code, 32), nn.ReLU(), nn.Linear(32, dim), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


ae = AutoEncoder()
data = torch.rand(64, 64)
opt = torch.optim.Adam(ae.parameters(), lr=1e-3)
for _ in range(10):
    opt.zero_grad()
    loss = nn.functional.binary_cross_entropy(ae(data), data)
    loss.backward()
    opt.step()
print(f"reconstruction {loss.item():.3f}")
print("DONE")
'''

PROGRAMS["conv_autoencoder"] = '''
import torch
from torch import nn

model = nn.Sequential(
    nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(),
    nn.ConvTranspose2d(8, 1, 4, stride=2, padding=1), nn.Sigmoid(),
)
x = torch.rand(4, 1, 28, 28)
loss = nn.functional.mse_loss(model(x), x)
loss.backward()
print(model(x).shape)
print("DONE")
'''

PROGRAMS["custom_loss"] = '''
import torch
from torch import nn


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0):
        super().__init__()
        self.gamma = gamma

    def __call__(self, logits, target):
        return super().__call__(logits, target)

    def forward(self, logits, target):
        ce = nn.functional.cross_entropy(logits, target, reduction="none")
        p = torch.exp(-ce)
        return ((1 - p) ** self.gamma * ce).mean()


logits = torch.randn(8, 3, requires_grad=True)
loss = FocalLoss()(logits, torch.randint(0, 3, (8,)))
loss.backward()
print(f"focal {loss.item():.3f}")
print("DONE")
'''

PROGRAMS["lr_schedulers"] = '''
import torch

model = torch.nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
step = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
lrs = []
for epoch in range(6):
    opt.zero_grad()
    model(torch.ones(1, 2)).sum().backward()
    opt.step()
    step.step()
    lrs.append(round(opt.param_groups[0]["lr"], 4))
cosine = torch.optim.lr_scheduler.CosineAnnealingLR(torch.optim.Adam(model.parameters()), T_max=10)
onecycle = torch.optim.lr_scheduler.OneCycleLR(torch.optim.SGD(model.parameters(), lr=0.1), max_lr=0.1, total_steps=10)
print(lrs)
print("DONE")
'''

PROGRAMS["weight_init_decorators"] = '''
import functools
import math

import torch
from torch import nn


def init_weights(module):
    if isinstance(module, nn.Linear):
        nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5))
        nn.init.zeros_(module.bias)


def timed(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


@timed
def make():
    net = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1))
    net.apply(init_weights)
    return net


@torch.no_grad()
def evaluate(net):
    return net(torch.ones(2, 3)).sum().item()


print(evaluate(make()))
print("DONE")
'''

PROGRAMS["dataclass_config"] = '''
from dataclasses import dataclass, field
from typing import List

import torch


@dataclass
class Config:
    lr: float = 1e-2
    epochs: int = 3
    layers: List[int] = field(default_factory=lambda: [4, 8, 1])


cfg = Config()
blocks = []
for a, b in zip(cfg.layers, cfg.layers[1:]):
    blocks += [torch.nn.Linear(a, b), torch.nn.ReLU()]
net = torch.nn.Sequential(*blocks[:-1])
opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=1e-4)
for epoch in range(cfg.epochs):
    opt.zero_grad()
    net(torch.randn(5, 4)).pow(2).mean().backward()
    opt.step()
print(cfg)
print("DONE")
'''

PROGRAMS["tensor_dataset_split"] = '''
import torch
from torch.utils.data import DataLoader, TensorDataset, random_split

g = torch.Generator().manual_seed(0)
full = TensorDataset(torch.randn(100, 5), torch.randint(0, 2, (100,)))
train, val = random_split(full, [80, 20], generator=g)
train_loader = DataLoader(train, batch_size=20, shuffle=True, generator=g)
val_loader = DataLoader(val, batch_size=20)
model = torch.nn.Linear(5, 2)
opt = torch.optim.Adam(model.parameters())
for epoch in range(2):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        correct = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_loader)
    print(f"epoch {epoch} val acc {correct / len(val):.2f}")
print("DONE")
'''

PROGRAMS["torchvision_transforms"] = '''
import torch
from torchvision import transforms

pipeline = transforms.Compose([
    transforms.RandomHorizontalFlip(p=0.5),
    transforms.Normalize(mean=[0.5], std=[0.5]),
])
image = torch.rand(1, 28, 28)
print(pipeline(image).shape)
print("DONE")
'''

PROGRAMS["torchaudio_features"] = '''
import torch
import torchaudio

wave = torch.sin(torch.linspace(0, 100, 4000)).unsqueeze(0)
spec = torchaudio.transforms.MelSpectrogram(sample_rate=8000, n_fft=256, n_mels=16)(wave)
print(spec.shape)
print("DONE")
'''

PROGRAMS["embedding_text"] = '''
import torch
from torch import nn


class BagOfWords(nn.Module):
    def __init__(self, vocab=50, dim=8, classes=2):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.fc = nn.Linear(dim, classes)

    def forward(self, tokens, offsets):
        return self.fc(self.embed(tokens, offsets))


model = BagOfWords()
tokens = torch.tensor([1, 2, 3, 4, 5, 6])
offsets = torch.tensor([0, 3])
print(model(tokens, offsets).shape)
print("DONE")
'''

PROGRAMS["transformer_encoder"] = '''
import torch
from torch import nn

layer = nn.TransformerEncoderLayer(d_model=16, nhead=2, dim_feedforward=32, batch_first=True)
encoder = nn.TransformerEncoder(layer, num_layers=1)
x = torch.randn(2, 5, 16)
out = encoder(x)
out.mean().backward()
print(out.shape)
print("DONE")
'''

PROGRAMS["numpy_interop_comprehensions"] = '''
import numpy as np
import torch

arr = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
t = torch.from_numpy(arr)
norms = [float(row.norm()) for row in t]
by_sign = {("pos" if v > 0 else "neg"): v for v in t[:, 0].tolist()}
squares = {i: i * i for i in range(5)}
gen_total = sum(x for x in range(10) if x % 2)
print(len(norms), sorted(by_sign), squares[3], gen_total, t.numpy().shape)
print("DONE")
'''

PROGRAMS["checkpoint_in_scratch"] = '''
import torch
from torch import nn

model = nn.Linear(3, 1)
torch.save(model.state_dict(), "/tmp/model.pt")
state = torch.load("/tmp/model.pt", weights_only=True)
model.load_state_dict(state)
print(sorted(state))
print("DONE")
'''

PROGRAMS["context_managers_and_main"] = '''
import contextlib
import time

import torch


@contextlib.contextmanager
def timer(name):
    start = time.perf_counter()
    yield
    print(f"{name} took {time.perf_counter() - start:.3f}s")


def main():
    with timer("inference"), torch.inference_mode():
        y = torch.nn.Linear(4, 4)(torch.ones(2, 4))
    print(y.shape)


if __name__ == "__main__":
    main()
print("DONE")
'''

PROGRAMS["manual_training_loop_classes"] = '''
import random

import torch
from torch import nn


class Trainer:
    def __init__(self, model, lr=0.01):
        self.model = model
        self.opt = torch.optim.SGD(model.parameters(), lr=lr)
        self.history = []

    def __len__(self):
        return len(self.history)

    def step(self, x, y):
        self.opt.zero_grad()
        loss = nn.functional.mse_loss(self.model(x), y)
        loss.backward()
        self.opt.step()
        self.history.append(loss.item())
        return loss.item()


random.seed(0)
trainer = Trainer(nn.Linear(2, 1))
for i in range(10):
    x = torch.tensor([[random.random(), random.random()]])
    trainer.step(x, x.sum(1, keepdim=True))
print(len(trainer), "steps")
print("DONE")
'''
