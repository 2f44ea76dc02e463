"""Reference solution for `audio-classifier`: a log-mel front end inside the model (torchaudio's
MelSpectrogram + AmplitudeToDB, not trained), a per-clip standardisation, and a small 2-D CNN
over (mel, time) trained with Adam, the learning rate decaying with the time used.

Why 2-D convolutions over time: half the classes differ only in how the spectrum moves (up- vs
down-chirp) or in the rhythm of the envelope (slow vs fast AM), which a time-averaged spectrum
cannot see; kernels that span a few frames can."""

import time

import torch
import torchaudio
from torch import nn

MAX_EPOCHS = 100


class MelCNN(nn.Module):
    def __init__(self, classes=6):
        super().__init__()
        self.mel = torchaudio.transforms.MelSpectrogram(sample_rate=8000, n_fft=256, hop_length=128, n_mels=32)
        self.db = torchaudio.transforms.AmplitudeToDB()

        def block(c_in, c_out):
            return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]

        self.net = nn.Sequential(
            *block(1, 16), nn.MaxPool2d(2),  # 16 x 16
            *block(16, 32), nn.MaxPool2d(2),  # 8 x 8
            *block(32, 48),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(48, classes),
        )

    def forward(self, wave):  # (N, 1, 4000)
        spec = self.db(self.mel(wave))  # (N, 1, 32, 32)
        spec = (spec - spec.mean(dim=(2, 3), keepdim=True)) / (spec.std(dim=(2, 3), keepdim=True) + 1e-5)
        return self.net(spec)


def build_model():
    return MelCNN()


def train(model, loader, time_budget_s):
    start = time.monotonic()
    budget = 0.8 * time_budget_s  # the grader's clock also counts setup
    base_lr = 3e-3
    optimizer = torch.optim.Adam(model.parameters(), lr=base_lr)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _epoch in range(MAX_EPOCHS):
        for wave, labels in loader:
            progress = (time.monotonic() - start) / budget
            if progress >= 1.0:
                return
            for group in optimizer.param_groups:
                group["lr"] = base_lr * max(0.02, 1.0 - progress)
            optimizer.zero_grad()
            loss = loss_fn(model(wave), labels)
            loss.backward()
            optimizer.step()


def predict(model, wave):
    model.eval()
    with torch.inference_mode():
        return model(wave).argmax(1)
