"""pack_padded_sequence with its default enforce_sorted=True, as in recipes whose batches were
sorted by length first: the grader's batches are not, so packing raises."""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

torch.manual_seed(0)
embedding = nn.Embedding(16, 16, padding_idx=0).eval()
gru = nn.GRU(16, 64, batch_first=True, bidirectional=True).eval()


@torch.no_grad()
def encode(padded, lengths):
    _, h_n = gru(pack_padded_sequence(embedding(padded), lengths, batch_first=True))
    return torch.cat([h_n[-2], h_n[-1]], dim=1)
