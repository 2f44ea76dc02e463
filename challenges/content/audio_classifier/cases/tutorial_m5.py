"""Case: the M5 network of PyTorch's speech-command tutorial ("Speech Command Classification with
torchaudio"), a 1-D CNN on the raw waveform (first kernel 80 samples, stride 16), trained as the
tutorial does (Adam lr 0.01, weight decay 1e-4), for as long as the budget allows. It gets the
verdict its accuracy earns."""

import time

import torch
import torch.nn.functional as F
from torch import nn


class M5(nn.Module):
    def __init__(self, n_input=1, n_output=6, stride=16, n_channel=32):
        super().__init__()
        self.conv1 = nn.Conv1d(n_input, n_channel, kernel_size=80, stride=stride)
        self.bn1 = nn.BatchNorm1d(n_channel)
        self.pool1 = nn.MaxPool1d(4)
        self.conv2 = nn.Conv1d(n_channel, n_channel, kernel_size=3)
        self.bn2 = nn.BatchNorm1d(n_channel)
        self.pool2 = nn.MaxPool1d(4)
        self.conv3 = nn.Conv1d(n_channel, 2 * n_channel, kernel_size=3)
        self.bn3 = nn.BatchNorm1d(2 * n_channel)
        self.pool3 = nn.MaxPool1d(4)
        self.conv4 = nn.Conv1d(2 * n_channel, 2 * n_channel, kernel_size=3)
        self.bn4 = nn.BatchNorm1d(2 * n_channel)
        self.pool4 = nn.MaxPool1d(1)
        self.fc1 = nn.Linear(2 * n_channel, n_output)

    def forward(self, x):
        x = self.pool1(F.relu(self.bn1(self.conv1(x))))
        x = self.pool2(F.relu(self.bn2(self.conv2(x))))
        x = self.pool3(F.relu(self.bn3(self.conv3(x))))
        x = self.pool4(F.relu(self.bn4(self.conv4(x))))
        x = F.avg_pool1d(x, x.shape[-1]).permute(0, 2, 1)
        return self.fc1(x).squeeze(1)


def build_model():
    return M5()


def train(model, loader, time_budget_s):
    start = time.monotonic()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=0.0001)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=20, gamma=0.1)
    model.train()
    for _epoch in range(1000):
        for data, target in loader:
            if time.monotonic() - start > 0.8 * time_budget_s:
                return
            loss = F.cross_entropy(model(data), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()


def predict(model, wave):
    model.eval()
    with torch.no_grad():
        return model(wave).argmax(1)
