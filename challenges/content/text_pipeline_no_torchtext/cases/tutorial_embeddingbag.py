"""The PyTorch "text classification with the torchtext library" tutorial, ported to the
torchtext-free stack: a unigram EmbeddingBag over offsets, SGD lr 5 with StepLR. Its pipeline
pieces are right; its model averages word embeddings, so on this data it stays near the
bag-of-words baseline."""

import time
from collections import Counter

import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence


def build_vocab(texts, min_freq, specials=["<pad>", "<unk>"]):
    counts = Counter(w for t in texts for w in t.split())
    vocab = {s: i for i, s in enumerate(specials)}
    for w, c in counts.most_common():
        if c >= min_freq:
            vocab[w] = len(vocab)
    return vocab


def encode(text, vocab):
    return [vocab.get(w, vocab["<unk>"]) for w in text.split()]


def collate(batch):
    seqs = [torch.tensor(ids, dtype=torch.int64) for ids, _ in batch]
    return (pad_sequence(seqs, batch_first=True, padding_value=0), torch.tensor([len(s) for s in seqs]),
            torch.tensor([label for _, label in batch], dtype=torch.int64))


def collate_offsets(batch):  # the tutorial's collate_batch: one flat tensor plus offsets
    labels = torch.tensor([label for _, label in batch], dtype=torch.int64)
    seqs = [torch.tensor(ids, dtype=torch.int64) for ids, _ in batch]
    offsets = torch.tensor([0] + [len(s) for s in seqs[:-1]]).cumsum(dim=0)
    return labels, torch.cat(seqs), offsets


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.embedding.weight.data.uniform_(-0.5, 0.5)
        self.fc.weight.data.uniform_(-0.5, 0.5)
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        return self.fc(self.embedding(text, offsets))


def fit(texts, labels, num_classes, time_budget_s):
    start = time.monotonic()
    vocab = build_vocab(texts, 1)
    data = [(encode(t, vocab), int(y)) for t, y in zip(texts, labels)]
    model = TextClassificationModel(len(vocab), 64, num_classes)
    optimizer = torch.optim.SGD(model.parameters(), lr=5)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
    loader = torch.utils.data.DataLoader(data, batch_size=64, shuffle=True, collate_fn=collate_offsets)
    criterion = nn.CrossEntropyLoss()
    for _ in range(10):
        model.train()
        for label, text, offsets in loader:
            optimizer.zero_grad()
            loss = criterion(model(text, offsets), label)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
        scheduler.step()
        if time.monotonic() - start > 0.7 * time_budget_s:
            break
    return vocab, model


def predict(clf, texts):
    vocab, model = clf
    _, text, offsets = collate_offsets([(encode(t, vocab), 0) for t in texts])
    model.eval()
    with torch.no_grad():
        return model(text, offsets).argmax(1)
