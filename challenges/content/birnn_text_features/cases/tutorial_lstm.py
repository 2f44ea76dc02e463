"""The widely copied sentiment-analysis recipe (bentrevett/pytorch-sentiment-analysis, "Upgraded
Sentiment Analysis"): a 2-layer bidirectional LSTM with dropout over packed sequences, whose
final hidden state is torch.cat((hidden[-2,:,:], hidden[-1,:,:]), dim=1); adapted to
batch_first, unsorted lengths (enforce_sorted=False), no classifier head, and put in eval mode."""

import torch
from torch import nn


class RNN(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_dim, n_layers, bidirectional, dropout, pad_idx):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_idx)
        self.rnn = nn.LSTM(embedding_dim, hidden_dim, num_layers=n_layers, bidirectional=bidirectional,
                           dropout=dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)

    def forward(self, text, text_lengths):
        embedded = self.dropout(self.embedding(text))
        packed_embedded = nn.utils.rnn.pack_padded_sequence(embedded, text_lengths.to("cpu"), batch_first=True,
                                                            enforce_sorted=False)
        packed_output, (hidden, cell) = self.rnn(packed_embedded)
        return torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)


torch.manual_seed(1234)
model = RNN(16, 32, 64, n_layers=2, bidirectional=True, dropout=0.5, pad_idx=0)
model.eval()


def encode(padded, lengths):
    with torch.no_grad():
        return model(padded, lengths)
