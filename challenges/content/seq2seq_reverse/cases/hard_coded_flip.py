"""Negative control: reversal written by hand. predict() flips each valid prefix with
torch.flip and runs a GRU on the way so that a recurrence check sees one; nothing is learned,
so the targets' substitution is missing and almost every symbol is wrong."""

import torch
from torch import nn

PAD = 0


class Flipper(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(11, 8)
        self.gru = nn.GRU(8, 8, batch_first=True)

    def forward(self, x):
        self.gru(self.emb(x))  # a decoy: its output is ignored
        out = torch.zeros_like(x)
        for row, seq in enumerate(x):
            length = int((seq != PAD).sum())
            out[row, :length] = torch.flip(seq[:length], dims=[0])
        return out


def build_model():
    return Flipper()


def train(model, X, Y, time_budget_s):
    pass


def predict(model, X):
    with torch.no_grad():
        return model(X)
