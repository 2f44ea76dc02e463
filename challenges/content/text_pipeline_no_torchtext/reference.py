"""Reference for `text-pipeline-no-torchtext`: the torchtext-free stack (str.split, a Counter
vocabulary, pad_sequence) and an EmbeddingBag over unigram *and bigram* ids, so that word order
("rising prices" vs "prices ... rising") reaches the classifier."""

import time
from collections import Counter

import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

SPECIALS = ["<pad>", "<unk>"]


def tokenize(text):
    return text.split()


def build_vocab(texts, min_freq, specials=SPECIALS):
    counts = Counter(w for text in texts for w in tokenize(text))
    vocab = {s: i for i, s in enumerate(specials)}
    for word, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if count >= min_freq and word not in vocab:
            vocab[word] = len(vocab)
    return vocab


def encode(text, vocab):
    unk = vocab["<unk>"]
    return [vocab.get(w, unk) for w in tokenize(text)]


def collate(batch):
    seqs = [torch.tensor(ids, dtype=torch.long) for ids, _ in batch]
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    labels = torch.tensor([int(label) for _, label in batch], dtype=torch.long)
    return pad_sequence(seqs, batch_first=True, padding_value=0), lengths, labels


def with_bigrams(text):
    """Unigrams plus adjacent pairs: 'rising prices' becomes a token of its own."""
    words = tokenize(text)
    return " ".join(words + [f"{a}+{b}" for a, b in zip(words, words[1:])])


class BagOfNgrams(nn.Module):
    def __init__(self, vocab_size, num_classes, dim=32):
        super().__init__()
        self.bag = nn.EmbeddingBag(vocab_size, dim, mode="mean", padding_idx=0)
        self.fc = nn.Linear(dim, num_classes)

    def forward(self, ids):  # ids: (B, L) padded with 0, which the bag skips
        return self.fc(self.bag(ids))


def fit(texts, labels, num_classes, time_budget_s):
    start = time.monotonic()
    grams = [with_bigrams(t) for t in texts]
    vocab = build_vocab(grams, min_freq=2)
    data = [(encode(g, vocab), int(y)) for g, y in zip(grams, labels)]
    model = BagOfNgrams(len(vocab), num_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    loader = torch.utils.data.DataLoader(data, batch_size=64, shuffle=True, collate_fn=collate)
    model.train()
    for _ in range(20):
        for ids, _, y in loader:
            optimizer.zero_grad()
            loss_fn(model(ids), y).backward()
            optimizer.step()
        if time.monotonic() - start > 0.6 * time_budget_s:
            break
    return vocab, model


def predict(clf, texts):
    vocab, model = clf
    ids, _, _ = collate([(encode(with_bigrams(t), vocab), 0) for t in texts])
    model.eval()
    with torch.no_grad():
        return model(ids).argmax(1)
