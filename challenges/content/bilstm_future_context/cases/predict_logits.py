"""Case: a correct bidirectional tagger whose predict() returns (N, T, 2) logits. Must fail."""

import time

import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self, vocab_size, num_tags):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, 16)
        self.rnn = nn.LSTM(16, 32, batch_first=True, bidirectional=True)
        self.out = nn.Linear(64, num_tags)

    def forward(self, x):
        h, _ = self.rnn(self.emb(x))
        return self.out(h)


def build_model(vocab_size, num_tags):
    return Tagger(vocab_size, num_tags)


def train(model, X, Y, time_budget_s):
    deadline = time.monotonic() + min(time_budget_s - 2.0, 4.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(X))
    for i in range(0, len(X), 64):
        if time.monotonic() > deadline:
            return
        idx = order[i : i + 64]
        logits = model(X[idx])
        loss = loss_fn(logits.reshape(-1, 2), Y[idx].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def predict(model, X):
    with torch.no_grad():
        return model(X)  # logits, not tag ids
