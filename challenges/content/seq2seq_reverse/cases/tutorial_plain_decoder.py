"""Real-world case: the PyTorch tutorial "NLP From Scratch: Translation with a Sequence to
Sequence Network and Attention", its EncoderRNN and its plain DecoderRNN (no attention: the
decoder starts from the encoder's last hidden state alone) with its recipe (hidden 128, dropout 0.1, Adam lr 0.001, batch 32, NLLLoss on log_softmax, teacher
forcing), ported to this contract: symbols 1..10 with 0 as padding, SOS = 11, MAX_LENGTH = 8,
and a loop that stops at the time budget instead of running 80 epochs."""

import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SOS_token = 11
MAX_LENGTH = 8
hidden_size = 128
batch_size = 32


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size, dropout_p=0.1):
        super(EncoderRNN, self).__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input):
        embedded = self.dropout(self.embedding(input))
        output, hidden = self.gru(embedded)
        return output, hidden


class DecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size):
        super(DecoderRNN, self).__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        decoder_outputs = []
        for i in range(MAX_LENGTH):
            decoder_output, decoder_hidden = self.forward_step(decoder_input, decoder_hidden)
            decoder_outputs.append(decoder_output)
            if target_tensor is not None:
                decoder_input = target_tensor[:, i].unsqueeze(1)  # Teacher forcing: Feed the target as the next input
            else:
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()  # detach from history as input
        decoder_outputs = torch.cat(decoder_outputs, dim=1)
        decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
        return decoder_outputs, decoder_hidden, None

    def forward_step(self, input, hidden):
        output = self.embedding(input)
        output = F.relu(output)
        output, hidden = self.gru(output, hidden)
        output = self.out(output)
        return output, hidden


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = EncoderRNN(12, hidden_size)
        self.decoder = DecoderRNN(hidden_size, 12)

    def forward(self, input_tensor, target_tensor=None):
        encoder_outputs, encoder_hidden = self.encoder(input_tensor)
        decoder_outputs, _, _ = self.decoder(encoder_outputs, encoder_hidden, target_tensor)
        return decoder_outputs


def build_model():
    return Seq2Seq()


def train(model, X, Y, time_budget_s):
    start = time.monotonic()
    optimizer = optim = torch.optim.Adam(model.parameters(), lr=0.001)
    criterion = nn.NLLLoss()
    model.train()
    while time.monotonic() - start < 0.7 * time_budget_s:
        for i in range(0, len(X), batch_size):
            if time.monotonic() - start > 0.7 * time_budget_s:
                return
            input_tensor, target_tensor = X[i : i + batch_size], Y[i : i + batch_size]
            optimizer.zero_grad()
            decoder_outputs = model(input_tensor, target_tensor)
            loss = criterion(decoder_outputs.view(-1, decoder_outputs.size(-1)), target_tensor.view(-1))
            loss.backward()
            optim.step()


def predict(model, X):
    model.eval()
    with torch.no_grad():
        return model(X).argmax(-1)
