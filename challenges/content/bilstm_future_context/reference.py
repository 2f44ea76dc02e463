"""Reference solution for `bilstm-future-context`: embedding -> bidirectional LSTM -> linear."""

import time

import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self, vocab_size, num_tags, emb=16, hidden=32):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, emb)
        self.rnn = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, num_tags)

    def forward(self, x):
        h, _ = self.rnn(self.emb(x))
        return self.out(h)


def build_model(vocab_size, num_tags):
    return Tagger(vocab_size, num_tags)


def train(model, X, Y, time_budget_s):
    deadline = time.monotonic() + 0.8 * time_budget_s  # the grader's clock also counts setup
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _epoch in range(8):
        order = torch.randperm(len(X))
        for start in range(0, len(X), 64):
            if time.monotonic() > deadline:
                return
            idx = order[start : start + 64]
            logits = model(X[idx])
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), Y[idx].reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def predict(model, X):
    model.eval()
    with torch.no_grad():
        return model(X).argmax(-1)
