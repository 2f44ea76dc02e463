"""The autoencoder checks (``code_size``, ``decode_encode``): the sandbox-side codec runner on
real small models, judged by the trusted side. A real bottleneck passes; a code larger than the
limit, a forward that skips the code, a prediction that bypasses it, a decode that reads a cached
input, and a model without encode/decode each fail with a message that says which."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from challenges.checks import CHECKS, PROBE_PREFIX, RunEvidence
from challenges.kinds.trained_inside import codec_outputs


class Codec(nn.Module):
    def __init__(self, code_channels: int = 4, skip: bool = False, cache: bool = False) -> None:
        super().__init__()
        self.enc = nn.Conv2d(1, code_channels, 4, stride=4)  # 28x28 -> 7x7
        self.dec = nn.ConvTranspose2d(code_channels, 1, 4, stride=4)
        self.skip, self.cache = skip, cache
        self.last: torch.Tensor | None = None

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        self.last = x
        return self.enc(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        if self.cache and self.last is not None:
            return torch.sigmoid(self.last)
        return torch.sigmoid(self.dec(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.decode(self.encode(x))
        return out + 0.1 * x if self.skip else out


def _judge(model: nn.Module, predict: Any = None) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    test_input = rng.random((10, 1, 28, 28), dtype=np.float32)
    out = {}
    for use in ("code_size", "decode_encode"):
        entry = CHECKS[use]
        assert entry.runner == "codec" and entry.probes is not None
        probes = {PROBE_PREFIX + use + k: v for k, v in entry.probes({}, test_input, rng).items()}
        with torch.no_grad():
            got = codec_outputs(model, predict or (lambda x: model(x)), probes, PROBE_PREFIX + use, {"run": "codec"})
        check = entry.run(use, {"at_most": 0.25}, RunEvidence({}, {}, got, probes))
        out[use] = check
    return out


def test_a_real_bottleneck_passes_both() -> None:
    checks = _judge(Codec())
    assert checks["code_size"].passed and checks["code_size"].value == 0.25, checks["code_size"].message
    assert checks["decode_encode"].passed, checks["decode_encode"].message


def test_a_code_twice_the_input_fails_with_its_ratio() -> None:
    check = _judge(Codec(code_channels=32))["code_size"]
    assert not check.passed and check.value == 2.0 and "1,568 numbers per image" in check.message


def test_forward_or_prediction_that_skips_the_code_fails() -> None:
    assert "model(x) differs" in _judge(Codec(skip=True))["decode_encode"].message
    model = Codec()
    bypass = _judge(model, predict=lambda x: x * 0.5)["decode_encode"]
    assert not bypass.passed and "prediction is not decode(encode(x))" in bypass.message
    clamped = _judge(model, predict=lambda x: model(x).clamp(0, 1))["decode_encode"]
    assert clamped.passed


def test_a_decode_that_reads_the_last_input_fails() -> None:
    check = _judge(Codec(cache=True))["decode_encode"]
    assert not check.passed


def test_a_model_without_encode_fails_both_with_the_reason() -> None:
    checks = _judge(nn.Conv2d(1, 1, 3, padding=1))
    assert all(not c.passed and "encode(x) and decode(z)" in c.message for c in checks.values())
