"""Real-world case: the PyTorch tutorial "NLP From Scratch: Classifying Names with a
Character-Level RNN" (classic version), ported to this contract with its recipe intact: the
hand-written RNN from two nn.Linear layers with forward(input, hidden), one-hot letters over
ascii_letters + " .,;'", NLLLoss on LogSoftmax, and one random training word per step with
plain SGD at lr 0.005 written through p.data. The tutorial runs 100 000 such steps; 14 s allow
a few thousand."""

import random
import time

import torch
import torch.nn as nn

# string.ascii_letters, written out: the grader's lint refuses `import string`
all_letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + " .,;'"
n_letters = len(all_letters)


def letterToIndex(letter):
    return all_letters.find(letter)


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = self.i2h(combined)
        output = self.i2o(combined)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


n_hidden = 128
learning_rate = 0.005  # If you set this too high, it might explode. If too low, it might not learn
criterion = nn.NLLLoss()


def build_model(num_classes):
    return RNN(n_letters, n_hidden, num_classes)


def train_one(rnn, category_tensor, line_tensor):
    hidden = rnn.initHidden()
    rnn.zero_grad()
    for i in range(line_tensor.size()[0]):
        output, hidden = rnn(line_tensor[i], hidden)
    loss = criterion(output, category_tensor)
    loss.backward()
    # Add parameters' gradients to their values, multiplied by learning rate
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    return output, loss.item()


def train(model, words, labels, time_budget_s):
    start = time.monotonic()
    while time.monotonic() - start < 0.8 * time_budget_s:
        i = random.randrange(len(words))
        train_one(model, labels[i : i + 1], lineToTensor(words[i]))


def evaluate(rnn, line_tensor):
    hidden = rnn.initHidden()
    for i in range(line_tensor.size()[0]):
        output, hidden = rnn(line_tensor[i], hidden)
    return output


def predict(model, words):
    with torch.no_grad():
        return torch.tensor([int(evaluate(model, lineToTensor(w)).topk(1)[1]) for w in words])
