"""C4.3 ``mel-features``: the trusted half of a ``functions`` challenge.

The learner writes ``featurize(waveform) -> Tensor[32, T]``, a log-mel spectrogram in dB with
``sample_rate=8000, n_fft=256, hop_length=128, n_mels=32`` and every other argument at
torchaudio's default. The waveforms are synthetic (tones, a chirp, noise, a loud tone with a
near-silent tail, silence) and built from plain parameters on both sides (``inside.make_waveform``);
only the learner's output comes back. The reference is torchaudio's own ``MelSpectrogram`` +
``AmplitudeToDB``, computed here in the trusted process, and compared with ``atol`` 1e-3 dB.
Returned arrays are hostile: bounded, type-checked, never echoed raw.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np

from challenges.content.mel_features.inside import SAMPLE_RATE, make_waveform
from challenges.kinds.base import Call, CallResult
from challenges.verdict import Check

FUNCTION = "featurize"
N_FFT, HOP, N_MELS = 256, 128, 32
FRAMES = 1 + 8000 // HOP  # center=True pads n_fft // 2 on each side: 63 frames
ATOL = 1e-3
MAX_ELEMENTS = 1 << 16

ADVICE = ("Use torchaudio.transforms.MelSpectrogram(sample_rate=8000, n_fft=256, hop_length=128, n_mels=32) with every "
          "other argument at its default (power=2.0, center=True, norm=None, mel_scale='htk'), then "
          "torchaudio.transforms.AmplitudeToDB() with its defaults (stype='power', top_db=None), and drop the channel "
          "dimension: (1, 32, 63) -> (32, 63)")


def calls(rng: random.Random) -> list[Call]:
    """Five waveforms, one property each; the rng draws frequencies, amplitudes and seeds."""
    def seed() -> int:
        return rng.randrange(2**31)

    specs: dict[str, dict[str, Any]] = {
        "tone": {"kind": "tone", "f0": rng.uniform(200, 1500), "amp": rng.uniform(0.3, 0.9), "seed": seed()},
        "chirp": {"kind": "chirp", "f0": rng.uniform(100, 400), "f1": rng.uniform(2000, 3800),
                  "amp": rng.uniform(0.3, 0.9), "seed": seed()},
        "noise": {"kind": "noise", "amp": rng.uniform(0.05, 0.3), "seed": seed()},
        "quiet-tail": {"kind": "quiet-tail", "f0": rng.uniform(300, 1000), "amp": rng.uniform(0.5, 0.9), "seed": seed()},
        "silence": {"kind": "silence", "seed": seed()},
    }
    made = [Call(id=name, function=FUNCTION, args=(spec,), scenario="featurize_waveform") for name, spec in specs.items()]
    rng.shuffle(made)
    return made


def reference(spec: Mapping[str, Any]) -> np.ndarray:
    """torchaudio's own log-mel spectrogram of the call's waveform, (32, 63) float32."""
    import torch
    import torchaudio

    mel = torchaudio.transforms.MelSpectrogram(sample_rate=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS)
    to_db = torchaudio.transforms.AmplitudeToDB()
    with torch.no_grad():
        out = to_db(mel(torch.from_numpy(make_waveform(dict(spec)))))
    return out[0].numpy()


def _show(text: str, limit: int = 160) -> str:
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text[:limit])
    return f"`{clean}{'…' if len(text) > limit else ''}`"


def _describe(spec: Mapping[str, Any]) -> str:
    kind = spec["kind"]
    if kind == "tone":
        return f"a {float(spec['f0']):.0f} Hz tone"
    if kind == "chirp":
        return f"a chirp from {float(spec['f0']):.0f} to {float(spec['f1']):.0f} Hz"
    if kind == "noise":
        return "white noise"
    if kind == "quiet-tail":
        return "a loud tone with a near-silent second half"
    return "silence (all zeros)"


def _diagnose(got: np.ndarray, want: np.ndarray) -> str:
    """The likely cause of a mismatch, from how the values relate (one clause)."""
    with np.errstate(all="ignore"):
        if np.allclose(got, 2 * want, atol=0.05, rtol=1e-3):
            return ("the values are twice the reference: that is 20·log10 of a power spectrogram; power=2.0 wants "
                    "AmplitudeToDB(stype='power'), the default")
        if np.allclose(got, want / 10 * np.log(10), atol=0.05, rtol=1e-3) or np.allclose(
                np.exp(got), 10 ** (want / 10), rtol=1e-2, atol=1e-6):
            return "the values look like a natural log (torch.log), not decibels: 10·log10, i.e. AmplitudeToDB()"
        floor = float(want.max()) - 80
        if np.any(want < floor - 1) and np.allclose(got, np.maximum(want, floor), atol=0.05):
            return "values more than 80 dB below the peak are clipped: that is top_db=80; leave top_db at None"
        if np.allclose(np.maximum(got, -100), want, atol=0.05) or (got.min() > want.min() + 1 and want.min() <= -99.9):
            return ("silent bins differ: AmplitudeToDB clamps the power at amin=1e-10 (-100 dB) before the log; "
                    "adding an epsilon or another floor changes the quietest values")
    return ("the values differ: check the defaults (power=2.0, center=True, pad_mode='reflect', norm=None, "
            "mel_scale='htk', f_min=0, f_max=None) and that nothing else transforms the waveform")


def _judge_one(call: Call, result: object) -> Check:
    spec: Mapping[str, Any] = call.args[0]
    where = _describe(spec)
    want = reference(spec)
    target = f"({N_MELS}, {FRAMES})"
    if not isinstance(result, CallResult):
        return Check(call.id, False, f"{where}: no result came back", None, target, advice=ADVICE)
    if result.error is not None:
        return Check(call.id, False, f"{where}: featurize raised {_show(str(result.error))}", None, target, advice=ADVICE)
    value = result.value
    if not isinstance(value, np.ndarray):
        return Check(call.id, False, f"{where}: featurize returned {type(value).__name__[:30]}, not a tensor", None,
                     target, advice=ADVICE)
    shape = "(" + ", ".join(str(s) for s in value.shape[:6]) + ")"
    if value.size > MAX_ELEMENTS or value.ndim > 6:
        return Check(call.id, False, f"{where}: returned {value.size} values, expected {want.size}", shape, target,
                     advice=ADVICE)
    if value.dtype.kind != "f":
        return Check(call.id, False, f"{where}: returned a {value.dtype.name[:16]} tensor; a spectrogram in dB is "
                     "floating point", shape, target, advice=ADVICE)
    if value.shape != want.shape:
        why = ""
        if value.shape == (1, *want.shape):
            why = ": that is MelSpectrogram's (channel, n_mels, time); drop the channel with [0] or .squeeze(0)"
        elif value.shape == want.shape[::-1]:
            why = ": (time, n_mels) is transposed; the contract is (n_mels, time)"
        elif value.ndim == 2 and value.shape[0] == N_MELS and value.shape[1] == (8000 - N_FFT) // HOP + 1:
            why = ": center=False drops the padding at both ends; the default center=True gives 63 frames"
        elif value.ndim >= 2 and value.shape[-2] != N_MELS:
            why = f": {value.shape[-2]} mel bands instead of n_mels=32"
        return Check(call.id, False, f"{where}: returned shape {shape}, expected {target}{why}", shape, target,
                     advice=ADVICE)
    with np.errstate(all="ignore"):
        got = value.astype(np.float64)
        if not np.isfinite(got).all():
            return Check(call.id, False, f"{where}: the result holds NaN or -inf (log of zero power): AmplitudeToDB "
                         "clamps the power at 1e-10 before the log", shape, target, advice=ADVICE)
        error = float(np.max(np.abs(got - want)))
    if not error <= ATOL:
        return Check(call.id, False, f"{where}: off by up to {error:.3g} dB (tolerance {ATOL}); {_diagnose(got, want)}",
                     error, ATOL, advice=ADVICE)
    return Check(call.id, True, f"{where}: {target} log-mel spectrogram matches torchaudio (max error {error:.1e} dB)",
                 error, ATOL)


def judge(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    """One Check per waveform, named by its id."""
    return [_judge_one(call, results.get(call.id)) for call in calls]
