"""Real-world case: the PyTorch tutorial "NLP From Scratch: Translation with a Sequence to
Sequence Network and Attention", its EncoderRNN and AttnDecoderRNN (Bahdanau attention) with its
recipe (hidden 128, dropout 0.1, Adam, NLLLoss on log_softmax, teacher forcing), ported to this
contract: symbols 1..10 with 0 as padding, SOS = 11, MAX_LENGTH = 8, and a loop that stops at
the time budget instead of running 80 epochs. Adapted: Adam lr 0.005 decaying linearly with
the budget spent (to a tenth), batch 64, instead of the tutorial's constant 0.001 and batch 32.
The exact recipe lands on the 0.80 mark in 14 s, and a constant rate swings the exact-sequence
score by 0.2 between neighbouring steps, so either verdict would depend on the host's load and
where the clock stopped; with the decay it passes by 0.11-0.20 from 160 to 570 steps."""

import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SOS_token = 11
MAX_LENGTH = 8
hidden_size = 128
batch_size = 64


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


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super(BahdanauAttention, self).__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        return context, weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size, dropout_p=0.1):
        super(AttnDecoderRNN, self).__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        decoder_outputs = []
        attentions = []
        for i in range(MAX_LENGTH):
            decoder_output, decoder_hidden, attn_weights = self.forward_step(
                decoder_input, decoder_hidden, encoder_outputs)
            decoder_outputs.append(decoder_output)
            attentions.append(attn_weights)
            if target_tensor is not None:
                decoder_input = target_tensor[:, i].unsqueeze(1)  # Teacher forcing: Feed the target as the next input
            else:
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()  # detach from history as input
        decoder_outputs = torch.cat(decoder_outputs, dim=1)
        decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
        attentions = torch.cat(attentions, dim=1)
        return decoder_outputs, decoder_hidden, attentions

    def forward_step(self, input, hidden, encoder_outputs):
        embedded = self.dropout(self.embedding(input))
        query = hidden.permute(1, 0, 2)
        context, attn_weights = self.attention(query, encoder_outputs)
        input_gru = torch.cat((embedded, context), dim=2)
        output, hidden = self.gru(input_gru, hidden)
        output = self.out(output)
        return output, hidden, attn_weights


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = EncoderRNN(12, hidden_size)
        self.decoder = AttnDecoderRNN(hidden_size, 12)

    def forward(self, input_tensor, target_tensor=None):
        encoder_outputs, encoder_hidden = self.encoder(input_tensor)
        decoder_outputs, _, _ = self.decoder(encoder_outputs, encoder_hidden, target_tensor)
        return decoder_outputs


def build_model():
    return Seq2Seq()


def train(model, X, Y, time_budget_s):
    start = time.monotonic()
    optimizer = optim = torch.optim.Adam(model.parameters(), lr=0.005)
    criterion = nn.NLLLoss()
    model.train()
    while time.monotonic() - start < 0.7 * time_budget_s:
        for i in range(0, len(X), batch_size):
            if time.monotonic() - start > 0.7 * time_budget_s:
                return
            input_tensor, target_tensor = X[i : i + batch_size], Y[i : i + batch_size]
            # Adapted: the learning rate decays linearly with the budget spent, to a tenth.
            for group in optimizer.param_groups:
                group["lr"] = 0.005 * max(0.1, 1 - (time.monotonic() - start) / (0.7 * time_budget_s))
            optimizer.zero_grad()
            decoder_outputs = model(input_tensor, target_tensor)
            loss = criterion(decoder_outputs.view(-1, decoder_outputs.size(-1)), target_tensor.view(-1))
            loss.backward()
            optim.step()


def predict(model, X):
    model.eval()
    with torch.no_grad():
        return model(X).argmax(-1)
