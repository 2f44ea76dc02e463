"""Grader-computed baselines (design §2.3): what a solution must clearly beat.

A model that only matches its challenge's baseline fails, so every trained challenge names one
(``[baseline] name = ...``) and the verdict reports its figure on the same hidden split. A
baseline is a ``fit`` on the training split (deterministic given the challenge's fixed training
seed, so the fitted state is memoised per challenge version in this process) and a ``score`` on
each run's freshly drawn test split, so a random test seed per run stays cheap:

* ``linear-on-pixels``: logistic regression on flattened pixels, Adam 1e-2, 300 full-batch steps;
* ``best-gaussian-blur``: 7x7 Gaussian kernel, replicate padding, best test MSE over a fixed sigma set;
  with ``group`` (a hidden split laid out in noise levels, C7.3) the blur is blind: one sigma, the
  best over the noisy rows, applied to every row, clean inputs included, and scored per level as
  the challenge's metric scores the learner (``blur_gain_sigma_*``, ``blur_psnr_clean``);
* ``unidirectional-lstm``: a causal LSTM tagger trained on the same data with a fixed step count;
* ``intensity-threshold``: a per-pixel class from intensity thresholds fitted on the training split;
* ``time-averaged-log-mel``: logistic regression on each clip's log-mel spectrum averaged over time
  (what a model that ignores the course in time can reach);
* ``sobel-oracle``: the Sobel gradient magnitude thresholded at the best of 40 values in [0.1, 4],
  chosen on the test split itself (an upper bound for a fixed edge filter; ``edge_scoring``);
* ``bag-of-words``: logistic regression on unigram counts of whitespace tokens (what a text model
  that ignores word order can reach; order-dependent text challenges must stay clearly above it);
* ``bag-of-characters``: logistic regression on the character counts of each word (what a name
  classifier that ignores the order of the letters can reach);
* ``per-position-linear``: one logistic regression per output position on the one-hot padded input
  sequence, scored on exact sequences (what a sequence-to-sequence mapping without recurrence or
  attention, which cannot select the input position by the sequence's length, can reach).
* ``scratch-tiny``: the shipped ``Tiny`` architecture from random init, trained on the few-shot
  split alone (Adam 3e-3, full batch, ``steps`` steps or ``budget_s`` seconds, whichever ends
  first): what transfer learning must beat (competency 9). C9.3 fits it again on every run
  (``every_run``, the run's seed); C9.1/C9.2 cache it per challenge version.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from challenges.metrics import exact_sequence_accuracy

BLUR_SIGMAS: tuple[float, ...] = (0.5, 0.8, 1.0, 1.3, 1.6, 2.0)
BLUR_SIZE = 7

Arrays = Mapping[str, np.ndarray]
Fit = Callable[[Arrays, Mapping[str, Any]], Any]
Score = Callable[[Any, Arrays, Mapping[str, Any]], dict[str, float]]


@dataclass(frozen=True)
class Baseline:
    """``fit(train arrays, params) -> state`` (None when nothing is learned) and
    ``score(state, test arrays, params) -> figures`` (e.g. ``baseline_accuracy``)."""

    name: str
    fit: Fit | None
    score: Score


_fitted: dict[tuple[str, ...], Any] = {}
_lock = threading.Lock()


def fitted(baseline: Baseline, key: tuple[str, ...], train: Callable[[], Arrays], params: Mapping[str, Any]) -> Any:
    """The baseline's fitted state for ``key`` (challenge, data version, training seed), fitted once."""
    if baseline.fit is None:
        return None
    with _lock:
        if key not in _fitted:
            _fitted[key] = baseline.fit(train(), params)
        return _fitted[key]


def fit_linear_on_pixels(x: np.ndarray, y: np.ndarray, num_classes: int, steps: int = 300, lr: float = 1e-2,
                         seed: int = 0) -> nn.Linear:
    """Multinomial logistic regression on flattened pixels, full batch."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        xt = torch.from_numpy(x.reshape(len(x), -1)).float()
        yt = torch.from_numpy(y).long()
        model = nn.Linear(xt.shape[1], num_classes)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        loss_fn = nn.CrossEntropyLoss()
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_fn(model(xt), yt)
            loss.backward()
            opt.step()
    return model


def linear_on_pixels(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                     num_classes: int) -> float:
    """Test accuracy of ``fit_linear_on_pixels``."""
    model = fit_linear_on_pixels(x_train, y_train, num_classes)
    with torch.no_grad():
        pred = model(torch.from_numpy(x_test.reshape(len(x_test), -1)).float()).argmax(1)
    return float((pred.numpy() == y_test).mean())


def gaussian_blur(images: np.ndarray, sigma: float, size: int = BLUR_SIZE) -> np.ndarray:
    """Separable Gaussian blur of (N, C, H, W) images with replicate padding."""
    half = size // 2
    offsets = np.arange(size, dtype=np.float64) - half
    kernel = np.exp(-(offsets**2) / (2 * sigma**2))
    kernel /= kernel.sum()
    x = images.astype(np.float64)
    h, w = x.shape[-2:]
    padded = np.pad(x, ((0, 0), (0, 0), (half, half), (0, 0)), mode="edge")
    x = sum(kernel[i] * padded[:, :, i : i + h, :] for i in range(size))
    padded = np.pad(x, ((0, 0), (0, 0), (0, 0), (half, half)), mode="edge")
    x = sum(kernel[i] * padded[:, :, :, i : i + w] for i in range(size))
    return np.asarray(x)


def best_gaussian_blur(noisy: np.ndarray, clean: np.ndarray) -> tuple[float, float]:
    """(best MSE, its sigma) of a 7x7 Gaussian blur over ``BLUR_SIGMAS``, chosen on this split."""
    results = [(float(((gaussian_blur(noisy, s) - clean) ** 2).mean()), s) for s in BLUR_SIGMAS]
    return min(results)


class _CausalTagger(nn.Module):
    def __init__(self, vocab: int, tags: int, emb: int = 16, hidden: int = 48) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, batch_first=True)
        self.out = nn.Linear(hidden, tags)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.rnn(self.emb(x))
        return self.out(h)  # type: ignore[no-any-return]


def fit_unidirectional_lstm(x: np.ndarray, y: np.ndarray, vocab: int, tags: int, steps: int = 400,
                             batch_size: int = 128, seed: int = 0) -> nn.Module:
    """A causal (left-to-right) LSTM tagger trained with a fixed step count."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = _CausalTagger(vocab, tags)
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        loss_fn = nn.CrossEntropyLoss()
        xt, yt = torch.from_numpy(x).long(), torch.from_numpy(y).long()
        order = torch.randperm(len(xt))
        for step in range(steps):
            start = (step * batch_size) % len(xt)
            idx = order[start : start + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]).reshape(-1, tags), yt[idx].reshape(-1))
            loss.backward()
            opt.step()
        model.eval()
    return model


# --- the registry -------------------------------------------------------------------------------


def _linear_fit(train: Arrays, params: Mapping[str, Any]) -> Any:
    return fit_linear_on_pixels(train[params["input"]], train[params["label"]], int(params["num_classes"]))


def _linear_score(model: Any, test: Arrays, params: Mapping[str, Any]) -> dict[str, float]:
    x = test[params["input"]]
    with torch.no_grad():
        pred = model(torch.from_numpy(x.reshape(len(x), -1)).float()).argmax(1).numpy()
    return {"baseline_accuracy": float((pred == test[params["label"]]).mean())}


def _blur_score(_: Any, test: Arrays, params: Mapping[str, Any]) -> dict[str, float]:
    if "group" in params:
        return _blind_blur_score(test, params)
    noisy, clean = test[params["input"]], test[params["label"]]
    mse, sigma = best_gaussian_blur(noisy, clean)
    noisy_mse = float(((noisy.astype(np.float64) - clean) ** 2).mean())
    return {"blur_mse": mse, "blur_sigma": sigma, "noisy_mse": noisy_mse, "blur_mse_ratio_vs_noisy": mse / noisy_mse}


def _blind_blur_score(test: Arrays, params: Mapping[str, Any]) -> dict[str, float]:
    """One blur for every row (a blind denoiser cannot pick per image), its sigma the best over
    the noisy rows; per-level PSNR gains and the clean-input PSNR as ``psnr_gain`` reports them."""
    from challenges.metrics import METRICS

    noisy, clean = test[params["input"]], test[params["label"]]
    rows = ~np.isclose(np.asarray(test[params["group"]]), float(params.get("clean_level", 0.0)))
    mse, sigma = best_gaussian_blur(noisy[rows], clean[rows])
    noisy_mse = float(((noisy[rows].astype(np.float64) - clean[rows]) ** 2).mean())
    metric = METRICS["psnr_gain"]
    assert metric.parts is not None
    blurred = gaussian_blur(noisy, sigma)
    parts = metric.parts(blurred, test, {}, params)
    figures = {"blur_mse": mse, "blur_sigma": sigma, "noisy_mse": noisy_mse, "blur_mse_ratio_vs_noisy": mse / noisy_mse,
               "baseline_psnr_gain": metric.fn(blurred, clean, parts, params)}
    return figures | {f"blur_{name}": value for name, value in parts.items()}


def _lstm_fit(train: Arrays, params: Mapping[str, Any]) -> Any:
    return fit_unidirectional_lstm(train[params["input"]], train[params["label"]], int(params["vocab"]),
                                   int(params["tags"]))


def _lstm_score(model: Any, test: Arrays, params: Mapping[str, Any]) -> dict[str, float]:
    with torch.no_grad():
        pred = model(torch.from_numpy(test[params["input"]]).long()).argmax(-1).numpy()
    return {"baseline_accuracy": float((pred == test[params["label"]]).mean())}


def _intensity_fit(train: Arrays, params: Mapping[str, Any]) -> Any:
    from challenges.segmentation_scoring import fit_intensity_thresholds

    return fit_intensity_thresholds(train[params["input"]], train[params["label"]])


def _intensity_score(thresholds: Any, test: Arrays, params: Mapping[str, Any]) -> dict[str, float]:
    from challenges.segmentation_scoring import mean_iou, predict_intensity

    pred = predict_intensity(test[params["input"]], thresholds)
    return {"baseline_mean_iou": mean_iou(pred, test[params["label"]], int(params.get("classes", 3)))[0]}


def _log_mel_average(wave: np.ndarray) -> torch.Tensor:
    """The time-averaged log-mel spectrum of each clip (C4.3's front end, then a mean over frames)."""
    import torchaudio

    mel = torchaudio.transforms.MelSpectrogram(sample_rate=8000, n_fft=256, hop_length=128, n_mels=32)
    with torch.no_grad():
        return torchaudio.transforms.AmplitudeToDB()(mel(torch.from_numpy(wave).float())).mean(-1).flatten(1)


def _mel_average_fit(train: Arrays, params: Mapping[str, Any]) -> Any:
    feats = _log_mel_average(train[params["input"]])
    mu, sd = feats.mean(0), feats.std(0) + 1e-6
    model = fit_linear_on_pixels(((feats - mu) / sd).numpy(), train[params["label"]], int(params["num_classes"]),
                                 steps=500)
    return model, mu, sd


def _mel_average_score(state: Any, test: Arrays, params: Mapping[str, Any]) -> dict[str, float]:
    model, mu, sd = state
    with torch.no_grad():
        pred = model((_log_mel_average(test[params["input"]]) - mu) / sd).argmax(1).numpy()
    return {"baseline_accuracy": float((pred == test[params["label"]]).mean())}


def _word_counts(texts: np.ndarray, vocab: Mapping[str, int]) -> np.ndarray:
    counts = np.zeros((len(texts), len(vocab)), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in str(text).split():
            col = vocab.get(word)
            if col is not None:
                counts[row, col] += 1.0
    return counts


def _bow_fit(train: Arrays, params: Mapping[str, Any]) -> Any:
    words = sorted({w for text in train[params["input"]] for w in str(text).split()})
    vocab = {w: i for i, w in enumerate(words)}
    model = fit_linear_on_pixels(_word_counts(train[params["input"]], vocab), train[params["label"]],
                                 int(params["num_classes"]), steps=300)
    return model, vocab


def _bow_score(state: Any, test: Arrays, params: Mapping[str, Any]) -> dict[str, float]:
    model, vocab = state
    with torch.no_grad():
        pred = model(torch.from_numpy(_word_counts(test[params["input"]], vocab))).argmax(1).numpy()
    return {"baseline_accuracy": float((pred == test[params["label"]]).mean())}


def _char_counts(words: np.ndarray, alphabet: Mapping[str, int]) -> np.ndarray:
    counts = np.zeros((len(words), len(alphabet)), dtype=np.float32)
    for row, word in enumerate(words):
        for char in str(word):
            col = alphabet.get(char)
            if col is not None:
                counts[row, col] += 1.0
    return counts


def _boc_fit(train: Arrays, params: Mapping[str, Any]) -> Any:
    chars = sorted({c for word in train[params["input"]] for c in str(word)})
    alphabet = {c: i for i, c in enumerate(chars)}
    model = fit_linear_on_pixels(_char_counts(train[params["input"]], alphabet), train[params["label"]],
                                 int(params["num_classes"]), steps=300)
    return model, alphabet


def _boc_score(state: Any, test: Arrays, params: Mapping[str, Any]) -> dict[str, float]:
    model, alphabet = state
    with torch.no_grad():
        pred = model(torch.from_numpy(_char_counts(test[params["input"]], alphabet))).argmax(1).numpy()
    return {"baseline_accuracy": float((pred == test[params["label"]]).mean())}


def one_hot_sequences(x: np.ndarray, vocab: int) -> torch.Tensor:
    """(N, T) token ids in 0..vocab-1 -> (N, T * vocab) float one-hot rows."""
    return nn.functional.one_hot(torch.from_numpy(x).long(), vocab).flatten(1).float()


def _per_position_fit(train: Arrays, params: Mapping[str, Any]) -> Any:
    x, y = train[params["input"]], train[params["label"]]
    vocab = int(params["vocab"])
    return _fit_positions(one_hot_sequences(x, vocab), torch.from_numpy(y).long(), vocab)


def _fit_positions(features: torch.Tensor, y: torch.Tensor, vocab: int, steps: int = 300) -> nn.Linear:
    """One linear layer whose T x vocab outputs are the T positions' class scores (a logistic
    regression per position; padding targets, id 0, are not scored), Adam 1e-2, full batch."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        t = y.shape[1]
        model = nn.Linear(features.shape[1], t * vocab)
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        for _ in range(steps):
            opt.zero_grad()
            logits = model(features).reshape(len(y), t, vocab)
            loss = nn.functional.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1), ignore_index=0)
            loss.backward()
            opt.step()
    return model


def _per_position_score(model: Any, test: Arrays, params: Mapping[str, Any]) -> dict[str, float]:
    x, y = test[params["input"]], test[params["label"]]
    vocab = int(params["vocab"])
    with torch.no_grad():
        pred = model(one_hot_sequences(x, vocab)).reshape(len(x), y.shape[1], vocab).argmax(-1).numpy()
    valid = y != 0
    return {"baseline_sequence_accuracy": exact_sequence_accuracy(pred, y),
            "baseline_position_accuracy": float((pred == y)[valid].mean()) if valid.any() else 0.0}


SCRATCH_STEPS = 300  # full-batch Adam steps on the few-shot split: its training loss is ~0 long before
SCRATCH_BUDGET_S = 14.0  # and never longer than the learner's training budget


def fit_scratch_tiny(x: np.ndarray, y: np.ndarray, num_classes: int, steps: int = SCRATCH_STEPS,
                     budget_s: float = SCRATCH_BUDGET_S, lr: float = 3e-3, seed: int = 0) -> nn.Module:
    """``Tiny`` from random init, trained on (x, y) alone, full batch; returned in eval mode."""
    import time

    from challenges.pretrained import Tiny

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Tiny(num_classes)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        xt, yt = torch.from_numpy(x).float(), torch.from_numpy(y).long()
        deadline = time.monotonic() + budget_s
        model.train()
        for _ in range(steps):
            if time.monotonic() > deadline:
                break
            opt.zero_grad()
            nn.functional.cross_entropy(model(xt), yt).backward()
            opt.step()
    return model.eval()


def _scratch_fit(train: Arrays, params: Mapping[str, Any]) -> Any:
    return fit_scratch_tiny(train[params["input"]], train[params["label"]], int(params["num_classes"]),
                            steps=int(params.get("steps", SCRATCH_STEPS)),
                            budget_s=float(params.get("budget_s", SCRATCH_BUDGET_S)), seed=int(params.get("seed", 0)))


def _scratch_score(model: Any, test: Arrays, params: Mapping[str, Any]) -> dict[str, float]:
    with torch.no_grad():
        pred = model(torch.from_numpy(test[params["input"]]).float()).argmax(1).numpy()
    return {"baseline_accuracy": float((pred == test[params["label"]]).mean())}


def _sobel_score(_: Any, test: Arrays, params: Mapping[str, Any]) -> dict[str, float]:
    from challenges.edge_scoring import sobel_oracle

    f1, threshold = sobel_oracle(test[params["input"]], test[params["label"]])
    return {"baseline_edge_f1": f1, "sobel_threshold": threshold}


BASELINES: dict[str, Baseline] = {
    "sobel-oracle": Baseline("sobel-oracle", None, _sobel_score),
    "scratch-tiny": Baseline("scratch-tiny", _scratch_fit, _scratch_score),
    "bag-of-characters": Baseline("bag-of-characters", _boc_fit, _boc_score),
    "per-position-linear": Baseline("per-position-linear", _per_position_fit, _per_position_score),
    "bag-of-words": Baseline("bag-of-words", _bow_fit, _bow_score),
    "time-averaged-log-mel": Baseline("time-averaged-log-mel", _mel_average_fit, _mel_average_score),
    "intensity-threshold": Baseline("intensity-threshold", _intensity_fit, _intensity_score),
    "linear-on-pixels": Baseline("linear-on-pixels", _linear_fit, _linear_score),
    "best-gaussian-blur": Baseline("best-gaussian-blur", None, _blur_score),
    "unidirectional-lstm": Baseline("unidirectional-lstm", _lstm_fit, _lstm_score),
}
