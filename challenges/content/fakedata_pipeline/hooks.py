"""C4.1 ``fakedata-pipeline``: the trusted half of a ``functions`` challenge.

The learner writes ``make_loader(n, batch_size) -> DataLoader`` over torchvision's ``FakeData``
(random, offline images: nothing downloads). The scenarios in ``inside.py`` build the loader in
the sandbox and send back raw data: one epoch's images as one array, one epoch's labels, the
loader's structure, and a fingerprint per sample for three epochs. Everything that decides a
check and can be computed from raw values is computed here (dtype, shape, per-channel mean and
std, the label dtype); only the loader's own facts (``len``, dataset fields, ``generator``) are
sandbox-observed. Every value is hostile: sizes are bounded and nothing is echoed raw.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

import numpy as np

from challenges.kinds.base import Call, CallResult
from challenges.verdict import OBSERVED, Check

FUNCTION = "make_loader"
IMAGE_SHAPE = (3, 32, 32)
NUM_CLASSES = 5
MEAN_TOL = 0.1  # |mean| per channel
STD_TOL = 0.1  # |std - 1| per channel
MAX_SAMPLES = 4096
MAX_LIST = 4096

NORMALISE_ADVICE = ("Measure FakeData's per-channel mean and std after v2.ToDtype(torch.float32, scale=True) (one pass "
                    "over the dataset: stack the images and take .mean((0, 2, 3)) / .std((0, 2, 3))), then add "
                    "v2.Normalize(mean, std) last in the Compose. (0.5, 0.5) or ImageNet's statistics are not this data's.")


def _show(text: str, limit: int = 160) -> str:
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text[:limit])
    return f"`{clean}{'…' if len(text) > limit else ''}`"


def calls(rng: random.Random) -> list[Call]:
    """One main set-up (n not a multiple of the batch size, so the last batch is short) and two
    more sizes for ``len(loader)``; the rng draws the sizes."""
    batch_size = rng.choice([16, 24, 32])
    n = batch_size * rng.randint(3, 5) + rng.randint(1, batch_size - 1)
    other_bs = rng.choice([8, 10])
    other_n = other_bs * rng.randint(2, 4)  # a multiple: no short last batch
    made = [
        Call(id="images", function=FUNCTION, args=(n, batch_size), scenario="epoch_images"),
        Call(id="labels", function=FUNCTION, args=(n, batch_size), scenario="epoch_labels"),
        Call(id="structure", function=FUNCTION, args=(n, batch_size), scenario="structure"),
        Call(id="structure-even", function=FUNCTION, args=(other_n, other_bs), scenario="structure"),
        Call(id="orders", function=FUNCTION, args=(n, batch_size), scenario="orders"),
    ]
    return made


def _failed(result: object, where: str) -> str | None:
    if not isinstance(result, CallResult):
        return f"{where}: no result came back"
    if result.error is not None:
        return f"{where}: make_loader or its loader raised {_show(str(result.error))}"
    return None


def _judge_images(call: Call, result: CallResult | None) -> list[Check]:
    n = int(call.args[0])
    want = f"({n}, 3, 32, 32) float32"
    names = ("image-dtype", "image-shape", "normalised")
    problem = _failed(result, "one epoch of images")
    if problem is None and result is not None and not isinstance(result.value, np.ndarray):
        problem = f"one epoch of images: the batches did not stack into an array ({type(result.value).__name__[:30]})"
    if problem is not None or result is None:
        return [Check(name, False, problem or "no result", None, want,
                      advice="make_loader(n, batch_size) must return a DataLoader whose batches are (images, labels) tensors")
                for name in names]
    images: np.ndarray = result.value
    checks: list[Check] = []
    dtype_ok = images.dtype == np.float32
    checks.append(Check("image-dtype", dtype_ok, f"images are {images.dtype.name[:16]}" +
                        ("" if dtype_ok else ": a network's weights are float32, so images must be too"),
                        images.dtype.name[:16], "float32",
                        advice="v2.ToImage() gives uint8 0-255 images: follow it with v2.ToDtype(torch.float32, scale=True), "
                        "which converts and scales to [0, 1] (v2.ToDtype without scale=True keeps 0-255)"))
    shape = tuple(int(s) for s in images.shape)
    shape_text = "(" + ", ".join(str(s) for s in shape[:6]) + ")"
    shape_ok = shape == (n, *IMAGE_SHAPE)
    checks.append(Check("image-shape", shape_ok, f"one epoch stacked to {shape_text}" + ("" if shape_ok else
                        f"; expected ({n}, 3, 32, 32): every sample once, each image channels-first"), shape_text, f"({n}, 3, 32, 32)",
                        advice="Use FakeData(size=n, image_size=(3, 32, 32), num_classes=5) and keep every sample "
                        "(no drop_last, no Resize): v2.ToImage() already gives channels-first (C, H, W) tensors"))
    if images.ndim != 4 or images.shape[1] != 3 or images.dtype.kind not in "fiu" or images.size > MAX_SAMPLES * 3 * 32 * 32:
        checks.append(Check("normalised", False, f"cannot measure per-channel statistics on {shape_text} "
                            f"{images.dtype.name[:16]} images", None, "|mean| < 0.1, |std - 1| < 0.1",
                            advice=NORMALISE_ADVICE))
        return checks
    with np.errstate(all="ignore"):
        data = images.astype(np.float64)
        finite = bool(np.isfinite(data).all())
        mean = data.mean(axis=(0, 2, 3)) if finite else np.full(3, np.nan)
        std = data.std(axis=(0, 2, 3)) if finite else np.full(3, np.nan)
    ok = finite and bool(np.all(np.abs(mean) < MEAN_TOL) and np.all(np.abs(std - 1) < STD_TOL))
    stats = "; ".join(f"channel {c}: mean {mean[c]:.3f}, std {std[c]:.3f}" for c in range(3)) if finite else "NaN or inf in the images"
    why = ""
    if not ok and finite:
        if np.all(np.abs(std - 1) < STD_TOL):
            why = ": the std is right but the mean is off (subtract the data's own mean)"
        elif np.all((std > 0.2) & (std < 0.35)):
            why = ": these are unnormalised [0, 1] pixels (no v2.Normalize)"
        elif np.all((std > 0.45) & (std < 0.7)):
            why = (": Normalize(0.5, 0.5) maps [0, 1] to [-1, 1], which centres this data but divides by 0.5, "
                   "not by its std of about 0.29")
        elif np.all(std > 20):
            why = ": the pixels are still 0-255 (ToDtype without scale=True), so the statistics are 255 times off"
    checks.append(Check("normalised", ok, f"measured on one epoch: {stats}{why}",
                        float(np.max(np.abs(std - 1))) if finite else None, "|mean| < 0.1, |std - 1| < 0.1",
                        advice=NORMALISE_ADVICE))
    return checks


def _judge_labels(call: Call, result: CallResult | None) -> Check:
    n = int(call.args[0])
    advice = ("Leave FakeData's labels alone: the default collate stacks the Python ints it returns into an int64 "
              "tensor, which nn.CrossEntropyLoss expects; a target_transform that makes floats breaks that")
    problem = _failed(result, "one epoch of labels")
    if problem is not None or result is None:
        return Check("label-dtype", False, problem or "no result", None, "int64", advice=advice)
    labels = result.value
    if not isinstance(labels, np.ndarray):
        return Check("label-dtype", False, "the labels did not come back as a tensor", None, "int64", advice=advice)
    dtype = labels.dtype.name[:16]
    if labels.dtype != np.int64:
        return Check("label-dtype", False, f"labels are {dtype}: classification losses take int64 class indices",
                     dtype, "int64", advice=advice)
    if labels.shape != (n,):
        return Check("label-dtype", False, f"one epoch gave {labels.size} labels for {n} samples", dtype, "int64",
                     advice=advice)
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= NUM_CLASSES):
        return Check("label-dtype", False, f"labels run from {int(labels.min())} to {int(labels.max())}; FakeData "
                     f"with num_classes={NUM_CLASSES} gives 0..{NUM_CLASSES - 1}", dtype, "int64", advice=advice)
    return Check("label-dtype", True, f"{n} int64 labels in 0..{NUM_CLASSES - 1}", dtype, "int64")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _judge_structure(call: Call, result: CallResult | None, name: str) -> list[Check]:
    n, batch_size = int(call.args[0]), int(call.args[1])
    batches = math.ceil(n / batch_size)
    want = f"{batches} batches"
    advice = (f"DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=...) with the default "
              f"drop_last=False: {n} samples in batches of {batch_size} make ceil({n} / {batch_size}) = {batches} "
              "batches, the last one shorter when n is not a multiple")
    problem = _failed(result, f"n={n}, batch_size={batch_size}")
    facts = result.value if result is not None and problem is None else None
    if not isinstance(facts, dict):
        return [Check(name, False, problem or "the loader's structure did not come back", None, want, advice=advice)]
    length = _int(facts.get("len"))
    sizes_raw = facts.get("batch_sizes")
    sizes = [s for s in sizes_raw[:MAX_LIST] if _int(s) is not None] if isinstance(sizes_raw, list) else []
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    problems = []
    if length != batches:
        problems.append(f"len(loader) is {length if length is not None else 'unavailable'}, expected {batches}")
    if sizes != expected_sizes:
        shown = ", ".join(str(s) for s in sizes[:8]) + (" …" if len(sizes) > 8 else "")
        problems.append(f"one epoch gave {len(sizes)} batches of sizes [{shown}] (a total of {sum(sizes)} samples, "
                        f"expected {n})")
    checks = [Check(name, not problems, f"n={n}, batch_size={batch_size}: " + ("; ".join(problems) if problems else
                    f"len(loader) = {batches}, every sample once per epoch"), length, batches, OBSERVED, advice=advice)]
    if name == "structure":
        dataset = str(facts.get("dataset", ""))[:40]
        size = _int(facts.get("dataset_size"))
        image_size = facts.get("image_size")
        classes = _int(facts.get("num_classes"))
        fake_ok = dataset == "FakeData" and size == n and image_size == list(IMAGE_SHAPE) and classes == NUM_CLASSES
        what = (f"loader.dataset is {_show(dataset, 40)} with size {size}, image_size {image_size if isinstance(image_size, list) else '?'}"
                f", num_classes {classes}")
        checks.append(Check("fakedata", fake_ok, what + ("" if fake_ok else f"; expected FakeData(size={n}, "
                            "image_size=(3, 32, 32), num_classes=5)"), dataset, "FakeData", OBSERVED,
                            advice="Build the dataset as torchvision.datasets.FakeData(size=n, image_size=(3, 32, 32), "
                            "num_classes=5, transform=v2.Compose([...])) and pass it straight to the DataLoader"))
        generator = facts.get("generator") is True
        checks.append(Check("generator", generator, "the DataLoader was given a torch.Generator" if generator else
                            "the DataLoader has no generator of its own, so its shuffling draws on the global RNG",
                            None, None, OBSERVED, advice=REPRO_ADVICE))
    return checks


REPRO_ADVICE = ("Make a generator and hand it to the loader: g = torch.Generator().manual_seed(0); "
                "DataLoader(..., shuffle=True, generator=g). Each call of make_loader then replays the same epoch "
                "orders, while successive epochs of one loader still differ")


def _judge_orders(call: Call, result: CallResult | None) -> list[Check]:
    n = int(call.args[0])
    problem = _failed(result, "three epochs")
    facts = result.value if result is not None and problem is None else None
    if not isinstance(facts, dict):
        message = problem or "the epoch orders did not come back"
        return [Check("shuffled", False, message, advice="shuffle=True in the DataLoader"),
                Check("reproducible", False, message, advice=REPRO_ADVICE)]
    epochs: dict[str, list[float]] = {}
    for key in ("first", "second", "again"):
        raw = facts.get(key)
        values = raw[:MAX_SAMPLES] if isinstance(raw, list) else []
        epochs[key] = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    first, second, again = epochs["first"], epochs["second"], epochs["again"]
    complete = len(first) == n and sorted(first) == sorted(second)
    shuffled = complete and first != second
    if shuffled:
        message = f"two epochs of one loader visit the same {n} samples in different orders"
    elif not complete:
        message = f"two epochs of one loader did not visit the same {n} samples (got {len(first)} and {len(second)})"
    else:
        message = "two epochs of one loader gave the samples in the same order: the data is not shuffled"
    reproducible = len(again) == len(first) and again == first and bool(first)
    return [
        Check("shuffled", shuffled, message, None, None,
              advice="Pass shuffle=True to the DataLoader (a training loader should see a new order every epoch; "
              "shuffling the list once up front repeats the same order forever)"),
        Check("reproducible", reproducible,
              "a second make_loader(n, batch_size) replays the first loader's first epoch order" if reproducible else
              "a second make_loader(n, batch_size) gave a different first epoch: the shuffling is not seeded",
              None, None, advice=REPRO_ADVICE),
    ]


def judge(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    checks: list[Check] = []
    for call in calls:
        result = results.get(call.id)
        if call.id == "images":
            checks += _judge_images(call, result)
        elif call.id == "labels":
            checks.append(_judge_labels(call, result))
        elif call.id in ("structure", "structure-even"):
            checks += _judge_structure(call, result, call.id)
        elif call.id == "orders":
            checks += _judge_orders(call, result)
    return checks
