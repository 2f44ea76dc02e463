"""Negative control: an MLP on character counts (a bag of characters), trained well. It never
sees which letter follows which, and it has no recurrence."""

import time

import torch
from torch import nn

ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def counts(words):
    x = torch.zeros(len(words), len(ALPHABET))
    for row, word in enumerate(words):
        for c in word.lower():
            if c in ALPHABET:
                x[row, ALPHABET.index(c)] += 1
    return x


def build_model(num_classes):
    return nn.Sequential(nn.Linear(len(ALPHABET), 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                         nn.Linear(128, num_classes))


def train(model, words, labels, time_budget_s):
    start = time.monotonic()
    x = counts(words)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _epoch in range(30):
        order = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            if time.monotonic() - start > 0.5 * time_budget_s:
                return
            idx = order[i : i + 64]
            loss = nn.functional.cross_entropy(model(x[idx]), labels[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def predict(model, words):
    model.eval()
    with torch.no_grad():
        return model(counts(words)).argmax(1)
