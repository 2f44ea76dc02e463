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

PROGRAMS["augmented_assignment_counters"] = '''
import torch
from torch import nn


class Trainer:
    def __init__(self, model):
        self.model = model
        self.steps = 0
        self.total_loss = 0.0
        self.opt = torch.optim.SGD(model.parameters(), lr=0.05)

    def step(self, x, y):
        self.opt.zero_grad()
        loss = nn.functional.mse_loss(self.model(x), y)
        loss.backward()
        self.opt.step()
        self.steps += 1
        self.total_loss += loss.item()
        return loss.item()


trainer = Trainer(nn.Linear(2, 1))
stats = {"seen": 0, "loss": 0.0}
per_class = [0, 0, 0]
weights = torch.zeros(3)
for i in range(6):
    x = torch.randn(4, 2)
    stats["loss"] += trainer.step(x, x.sum(1, keepdim=True))
    stats["seen"] += len(x)
    per_class[i % 3] += 1
    weights[i % 3] += 0.5
weights[1:] *= 2
print(trainer.steps, stats["seen"], per_class, weights.tolist(), f"{trainer.total_loss / trainer.steps:.3f}")
print("DONE")
'''

PROGRAMS["str_format_method"] = '''
import torch

loss = torch.tensor(0.123456).item()
acc = 0.875
print("{:.4f}".format(loss))
print("epoch {:03d} | loss {:>8.4f} | acc {:.1%}".format(7, loss, acc))
print("{0:.2e} {1:+.3f}".format(loss, -acc))
print("epoch {epoch}: loss {loss:.4f}".format(epoch=3, loss=loss))
print("{:{width}.{prec}f}|".format(loss, width=10, prec=3))
print("lr={lr:g}".format(**{"lr": 1e-3}))
print("{!r:>12}".format("name"))
print("DONE")
'''

PROGRAMS["getattr_by_name"] = '''
import torch
from torch import nn

config = {"activation": "ReLU", "optimizer": "Adam", "norm": "LayerNorm"}


class Net(nn.Module):
    def __init__(self, activation="GELU", depth=3):
        super().__init__()
        act = getattr(nn, activation)
        for i in range(depth):
            setattr(self, f"fc{i}", nn.Linear(8, 8))
        self.act = act()
        self.depth = depth

    def forward(self, x):
        for i in range(self.depth):
            x = self.act(getattr(self, f"fc{i}")(x))
        return x


model = Net(config["activation"])
opt_class = getattr(torch.optim, config["optimizer"])
opt = opt_class(model.parameters(), lr=1e-3)
norm = getattr(nn, config["norm"], nn.Identity)(8)
if hasattr(model, "fc0") and not hasattr(model, "fc" + str(model.depth)):
    out = norm(model(torch.randn(2, 8)))
    out.sum().backward()
    opt.step()
print(type(model.act).__name__, type(opt).__name__, out.shape)
print("DONE")
'''

PROGRAMS["setattr_computed_name"] = '''
import torch
from torch import nn


class Config:
    lr = 0.1
    hidden = 4


overrides = {"lr": 0.01, "hidden": 16, "dropout": 0.1}
cfg = Config()
for key, value in overrides.items():
    setattr(cfg, key, value)

blocks = nn.Module()
names = [f"block_{i}" for i in range(3)]
for name in names:
    setattr(blocks, name, nn.Linear(cfg.hidden, cfg.hidden))
x = torch.randn(2, cfg.hidden)
for name in names:
    x = getattr(blocks, name)(x)
for name in names[1:]:
    delattr(blocks, name)
print(cfg.lr, cfg.dropout, len(list(blocks.children())), x.shape)
print("DONE")
'''

PROGRAMS["annotations_and_namedtuple"] = '''
from collections import namedtuple
from dataclasses import dataclass, fields
from typing import Optional

import torch
from torch import Tensor, nn

Outputs = namedtuple("Outputs", ["logits", "aux"])
Outputs.__annotations__ = {"logits": Tensor, "aux": Optional[Tensor]}


@dataclass
class HParams:
    lr: float = 1e-3
    hidden: int = 8


class Head(nn.Module):
    __constants__ = ["scale"]

    def __init__(self, scale: float = 2.0) -> None:
        super().__init__()
        self.scale = scale
        self.fc = nn.Linear(4, 2)

    def forward(self, x: Tensor) -> Outputs:
        logits = self.fc(x) * self.scale
        return Outputs(logits, None)


print(sorted(HParams.__annotations__), [f.name for f in fields(HParams)])
print(sorted(Head.forward.__annotations__), sorted(Outputs.__annotations__))
print(Head()(torch.ones(1, 4)).logits.shape)
print("DONE")
'''

PROGRAMS["nan_and_inf_guards"] = '''
import math

import numpy as np
import torch
from torch import nn

model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
skipped = 0
best = math.inf
for step in range(4):
    x = torch.randn(8, 3)
    if step == 2:
        x[0, 0] = float("nan")
    loss = nn.functional.mse_loss(model(x), x.sum(1, keepdim=True))
    if math.isnan(loss.item()) or math.isinf(loss.item()) or not torch.isfinite(loss):
        skipped += 1
        continue
    opt.zero_grad()
    loss.backward()
    opt.step()
    best = min(best, loss.item())
cleaned = torch.nan_to_num(torch.tensor([float("nan"), float("inf"), -math.inf, 1.0]), nan=0.0, posinf=1e3)
print(skipped, math.isfinite(best), torch.isnan(torch.tensor(math.nan)).item(), np.isnan(np.nan), cleaned.tolist())
print("DONE")
'''

# --- Idioms the seccomp allow-list was measured on (sandbox/core/seccomp_policy.toml) as well ---------

PROGRAMS["seeding_and_generators"] = r'''
import random

import numpy as np
import torch
from torch.utils.data import TensorDataset, random_split

random.seed()
rng = np.random.default_rng()
print(rng.integers(0, 10, size=3).shape, random.random() < 1.0)
seed = torch.seed()
gen = torch.Generator()
gen.seed()
perm = torch.randperm(10, generator=gen)
train, val = random_split(TensorDataset(torch.arange(10.0)), [8, 2], generator=torch.Generator().manual_seed(1))
print(len(train), len(val), sorted(perm.tolist()) == list(range(10)), seed >= 0)
print("DONE")
'''

PROGRAMS["timing_and_dates"] = r'''
import datetime
import time

import torch

start_wall, start_cpu, start_thread = time.perf_counter(), time.process_time(), time.thread_time()
time.sleep(0.02)
x = torch.randn(64, 64)
for _ in range(5):
    x = torch.tanh(x @ x.T / 64)
elapsed = time.perf_counter() - start_wall
cpu = time.process_time() - start_cpu
now = datetime.datetime.now()
utc = datetime.datetime.now(datetime.timezone.utc)
stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())
print(elapsed >= 0.02, cpu >= 0, time.thread_time() >= start_thread, now.year > 2000, utc.tzinfo is not None, len(stamp))
print(time.time() > 0, time.monotonic() > 0, time.time_ns() > 0, time.gmtime().tm_year > 2000)
print("DONE")
'''

PROGRAMS["files_in_scratch"] = r'''
import json

import numpy as np
import torch
from torch import nn

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
history = {"loss": [0.9, 0.5, 0.25]}
with open("/tmp/history.json", "w") as f:
    json.dump(history, f)
with open("/tmp/history.json") as f:
    assert json.load(f) == history
with open("/tmp/log.txt", "a") as f:
    for step, loss in enumerate(history["loss"]):
        f.write(f"{step},{loss}\n")
with open("/tmp/log.txt") as f:
    rows = [line.strip().split(",") for line in f]
torch.save({"model": model.state_dict(), "epoch": 3}, "/tmp/ckpt.pt")
state = torch.load("/tmp/ckpt.pt", weights_only=True, mmap=True)
model.load_state_dict(state["model"])
np.save("/tmp/weights.npy", model[0].weight.detach().numpy())
np.savez_compressed("/tmp/arrays.npz", a=np.arange(5), b=np.ones(3))
loaded = np.load("/tmp/arrays.npz")
with open("/tmp/raw.bin", "wb") as f:
    f.write(bytes(range(256)))
with open("/tmp/raw.bin", "rb") as f:
    f.seek(128)
    tail = f.read()
print(len(rows), state["epoch"], np.load("/tmp/weights.npy").shape, loaded["a"].sum(), len(tail))
print("DONE")
'''

PROGRAMS["torchscript_roundtrip"] = r'''
import torch
from torch import nn


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return torch.relu(self.fc(x))


traced = torch.jit.trace(Small(), torch.randn(1, 4))
torch.jit.save(traced, "/tmp/small.pt")
again = torch.jit.load("/tmp/small.pt")
x = torch.randn(3, 4)
print(again(x).shape, traced(x).shape, torch.allclose(again(x), traced(x)))
print("DONE")
'''

PROGRAMS["threads_and_precision"] = r'''
import torch
from torch import nn

torch.set_num_threads(2)
print(torch.get_num_threads(), torch.get_num_interop_threads())
model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2))
x = torch.randn(16, 3, 32, 32)
with torch.autocast("cpu", dtype=torch.bfloat16):
    out = model(x)
print(out.dtype)
big = torch.randn(512, 512)
print(torch.linalg.norm(big @ big).item() > 0)
u, s, v = torch.linalg.svd(torch.randn(32, 16), full_matrices=False)
spectrum = torch.fft.rfft(torch.randn(1024))
sparse = torch.randn(8, 8).relu().to_sparse()
print(s.shape, spectrum.shape, (sparse @ torch.ones(8, 1)).shape, torch.linalg.solve(torch.eye(4) * 2, torch.ones(4)).sum().item())
print("DONE")
'''

PROGRAMS["autograd_tools"] = r'''
import torch
from torch import nn
from torch.func import grad, vmap

model = nn.Linear(3, 1)
grads = []
model.weight.register_hook(lambda g: grads.append(g.norm().item()))
with torch.autograd.set_detect_anomaly(True):
    loss = model(torch.randn(5, 3)).pow(2).mean()
    loss.backward()
x = torch.randn(4, requires_grad=True)
(g,) = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)
per_sample = vmap(grad(lambda w, v: (w * v).sum()), in_dims=(None, 0))(torch.ones(3), torch.randn(6, 3))
with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
    with torch.profiler.record_function("step"):
        model(torch.randn(2, 3)).sum().backward()
table = prof.key_averages().table(row_limit=3)
print(len(grads), g.shape, per_sample.shape, "step" in table)
print("DONE")
'''

PROGRAMS["vision_io"] = r'''
import torch
import torchvision
from torchvision import transforms
from torchvision.io import decode_png, encode_png, read_file, write_file
from torchvision.utils import make_grid, save_image

images = torch.rand(4, 3, 16, 16)
save_image(images, "/tmp/grid.png")
grid = make_grid(images, nrow=2)
png = encode_png((grid * 255).to(torch.uint8))
write_file("/tmp/grid2.png", png)
back = decode_png(read_file("/tmp/grid2.png"))
pipeline = transforms.Compose([transforms.RandomHorizontalFlip(), transforms.Normalize([0.5] * 3, [0.5] * 3)])
print(back.shape, pipeline(images).shape, torchvision.__version__ != "")
print("DONE")
'''

PROGRAMS["audio_features"] = r'''
import math

import torch
import torchaudio

sr = 8000
t = torch.arange(sr) / sr
wave = torch.sin(2 * math.pi * 440 * t).unsqueeze(0)
mel = torchaudio.transforms.MelSpectrogram(sample_rate=sr, n_fft=256, n_mels=16)(wave)
mfcc = torchaudio.transforms.MFCC(sample_rate=sr, n_mfcc=8, melkwargs={"n_fft": 256, "n_mels": 16})(wave)
resampled = torchaudio.functional.resample(wave, sr, 4000)
print(mel.shape, mfcc.shape, resampled.shape)
print("DONE")
'''

PROGRAMS["numeric_stdlib"] = r'''
import bisect
import heapq
import re
import statistics
import warnings
from decimal import Decimal, getcontext
from enum import Enum
from fractions import Fraction

import torch


class Phase(Enum):
    TRAIN = "train"
    EVAL = "eval"


getcontext().prec = 10
losses = [0.9, 0.7, 0.72, 0.4]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    warnings.warn("loss went up", RuntimeWarning)
best = heapq.nsmallest(2, losses)
where = bisect.bisect(sorted(losses), 0.71)
parsed = [float(m) for m in re.findall(r"\d+\.\d+", "loss=0.50 acc=0.75")]
print(Decimal(1) / Decimal(7), Fraction(3, 9), statistics.mean(losses), statistics.stdev(losses) > 0)
print(best, where, parsed, Phase("eval"), len(caught), torch.tensor(parsed).mean().item())
print("DONE")
'''

#: Real model files of the installed libraries: the lint must accept each (they are not run).
REAL_MODEL_MODULES = (
    "torchvision.models.resnet", "torchvision.models.googlenet", "torchvision.models.shufflenetv2",
    "torchaudio.models.conv_tasnet",
)


def real_model_source(module: str) -> str:
    """The installed file of ``module``, read at test time, with its relative imports made absolute.

    A submission is a single file, so the lint refuses ``from ._api import ...``; the library's
    own files use them, and ``from torchvision.models._api import ...`` is what a learner who
    copied the file would write. Only the ``from .x`` part of each such statement changes.
    """
    import ast
    import importlib.util
    import re

    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, f"{module} is not installed"
    with open(spec.origin, encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    package = module.rpartition(".")[0]
    for node in ast.walk(ast.parse("".join(lines))):
        if isinstance(node, ast.ImportFrom) and node.level:
            absolute = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            i = node.lineno - 1
            head, tail = lines[i][:node.col_offset], lines[i][node.col_offset:]
            lines[i] = head + re.sub(r"^from\s+\.+[\w.]*", f"from {absolute}", tail, count=1)
    return "".join(lines)
