"""Real-world case, adapted: the PyTorch char-RNN tutorial's hand-written RNN (two nn.Linear
layers over the concatenated input and hidden state, a step-wise forward(input, hidden)), made
to fit 14 s on 2 CPU threads. Three changes: the words go through it in batches of 64 padded
one-hot words (encoded once before training; the hidden state is kept, not updated, on padding)
with Adam (lr 3e-3 decaying with progress; gradients clipped at norm 3 as the current tutorial
does) instead of one word per SGD step; the new hidden state goes through tanh; and
each word ends with a space (in the tutorial's alphabet), so the last letter also reaches the
hidden state. The tutorial's cell has no activation, so its whole network is linear in the
position-indexed letters and cannot represent "this vowel follows that consonant" (see
calibration.md)."""

import time

import torch
import torch.nn as nn

# string.ascii_letters, written out: the grader's lint refuses `import string`
all_letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + " .,;'"
n_letters = len(all_letters)


def wordsToTensor(words):
    """(B, longest, n_letters) one-hot letters, zeros on padding, and the lengths (B,). Each
    word ends with a space: the tutorial's output layer sees the last letter and the hidden
    state before it side by side, linearly, so without one more step the last syllable's
    consonant-vowel pair would never be combined."""
    words = [w + " " for w in words]
    lengths = torch.tensor([len(w) for w in words])
    tensor = torch.zeros(len(words), int(lengths.max()), n_letters)
    for b, word in enumerate(words):
        for li, letter in enumerate(word):
            tensor[b, li, max(all_letters.find(letter), 0)] = 1
    return tensor, lengths


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = torch.tanh(self.i2h(combined))
        output = self.softmax(self.i2o(combined))
        return output, hidden

    def initHidden(self, batch):
        return torch.zeros(batch, self.hidden_size)


def build_model(num_classes):
    return RNN(n_letters, 128, num_classes)


def run(model, words):
    """Step the cell over a padded batch; each word's output is the one after its last letter."""
    return run_tensors(model, *wordsToTensor(words))


def run_tensors(model, x, lengths):
    x = x[:, : int(lengths.max())]  # a batch cut from the whole set: only its own longest word
    hidden = model.initHidden(len(x))
    output = None
    for t in range(x.shape[1]):
        step_out, step_hidden = model(x[:, t], hidden)
        real = (t < lengths).unsqueeze(1)
        hidden = torch.where(real, step_hidden, hidden)
        output = step_out if output is None else torch.where(real, step_out, output)
    return output


def train(model, words, labels, time_budget_s):
    start = time.monotonic()
    budget = 0.7 * time_budget_s
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    criterion = nn.NLLLoss()
    epochs, batch = 30, 64
    total, step = epochs * -(-len(words) // batch), 0
    x_all, lengths_all = wordsToTensor(words)  # letters to one-hot once, not on every step
    model.train()
    for _epoch in range(epochs):
        order = torch.randperm(len(words)).tolist()
        for i in range(0, len(words), batch):
            progress = max(step / total, (time.monotonic() - start) / budget)
            if progress >= 1:
                return
            for group in optimizer.param_groups:
                group["lr"] = 3e-3 * (1 - 0.9 * progress)  # decays with progress (steps or clock)
            idx = order[i : i + batch]
            loss = criterion(run_tensors(model, x_all[idx], lengths_all[idx]), labels[idx])
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 3)
            optimizer.step()
            step += 1


def predict(model, words):
    model.eval()
    with torch.no_grad():
        return run(model, words).argmax(1)
