"""Starter for `text-pipeline-no-torchtext`: it runs, but it fails. The vocabulary ignores
min_freq, unknown words become the padding id, nothing is padded, and the classifier averages
word embeddings, which cannot see word order.

No torchtext: build each piece from str.split, collections.Counter and torch.nn.utils.rnn."""

import time
from collections import Counter

import torch
from torch import nn

SPECIALS = ["<pad>", "<unk>"]


def build_vocab(texts, min_freq, specials=SPECIALS):
    counts = Counter(w for text in texts for w in text.split())
    vocab = {s: i for i, s in enumerate(specials)}
    for word in counts:  # TODO: keep only words seen at least min_freq times
        vocab[word] = len(vocab)
    return vocab


def encode(text, vocab):
    return [vocab.get(w, 0) for w in text.split()]  # TODO: unknown words are '<unk>', not '<pad>'


def collate(batch):
    # TODO: pad to (batch, longest) with id 0 (nn.utils.rnn.pad_sequence), return the lengths too
    ids = [torch.tensor(i, dtype=torch.long) for i, _ in batch]
    labels = torch.tensor([label for _, label in batch])
    return ids, None, labels


def fit(texts, labels, num_classes, time_budget_s):
    start = time.monotonic()
    vocab = build_vocab(texts, min_freq=1)
    bag = nn.EmbeddingBag(len(vocab), 16, mode="mean")  # TODO: word order matters in this data
    fc = nn.Linear(16, num_classes)
    model = nn.ModuleDict({"bag": bag, "fc": fc})
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for i in range(len(texts)):
        if time.monotonic() - start > 0.5 * time_budget_s:
            break
        ids = torch.tensor([encode(texts[i], vocab)])
        loss = nn.functional.cross_entropy(fc(bag(ids)), labels[i : i + 1])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return vocab, model


def predict(clf, texts):
    vocab, model = clf
    with torch.no_grad():
        return torch.stack([model["fc"](model["bag"](torch.tensor([encode(t, vocab)])))[0].argmax() for t in texts])
