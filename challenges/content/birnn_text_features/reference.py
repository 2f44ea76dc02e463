"""Reference for birnn-text-features: a randomly initialised bidirectional GRU, built once under a
fixed seed and frozen (eval mode, no grad), over packed sequences; the features are the last
layer's final forward and backward states, h_n[-2] and h_n[-1]."""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

VOCAB, EMBED, HIDDEN = 16, 32, 64

torch.manual_seed(0)
embedding = nn.Embedding(VOCAB, EMBED, padding_idx=0).eval()
gru = nn.GRU(EMBED, HIDDEN, batch_first=True, bidirectional=True).eval()


@torch.no_grad()
def encode(padded, lengths):
    packed = pack_padded_sequence(embedding(padded), lengths.cpu(), batch_first=True, enforce_sorted=False)
    _, h_n = gru(packed)  # h_n: (num_layers * 2, N, HIDDEN), in the batch's own order
    return torch.cat([h_n[-2], h_n[-1]], dim=1)
