"""Case: a left-to-right LSTM fed the input shifted two steps left, so position t sees x[t+2].

Accurate, but it has no bidirectional RNN, so it must fail.
"""

import time

import torch
from torch import nn


class Shifted(nn.Module):
    def __init__(self, vocab_size, num_tags):
        super().__init__()
        self.emb = nn.Embedding(vocab_size + 1, 16)
        self.rnn = nn.LSTM(16, 48, batch_first=True)
        self.out = nn.Linear(48, num_tags)
        self.pad = vocab_size

    def forward(self, x):
        pad = torch.full((x.shape[0], 2), self.pad, dtype=x.dtype)
        h, _ = self.rnn(self.emb(torch.cat([x, pad], 1)))
        return self.out(h[:, 2:])


def build_model(vocab_size, num_tags):
    return Shifted(vocab_size, num_tags)


def train(model, X, Y, time_budget_s):
    deadline = time.monotonic() + min(time_budget_s - 2.0, 8.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    for _epoch in range(6):
        order = torch.randperm(len(X))
        for i in range(0, len(X), 64):
            if time.monotonic() > deadline:
                return
            idx = order[i : i + 64]
            logits = model(X[idx])
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), Y[idx].reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def predict(model, X):
    with torch.no_grad():
        return model(X).argmax(-1)
