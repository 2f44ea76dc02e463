"""Naming the mismatch in a shape trace: which layer got what, and what it was built for.

The table itself is recorded in the sandbox (``inside_kit.trace_shapes``) and read back as plain,
bounded rows; here it is only interpreted, with the error's own numbers.
"""

from __future__ import annotations

import re

from challenges.verdict import LayerRow

_MATMUL = re.compile(r"\((\d+)x(\d+) and (\d+)x(\d+)\)")
_CHANNELS = re.compile(r"to have (\d+) channels, but got (\d+) channels")
_ELEMENTS = re.compile(r"should contain (\d+) elements not (\d+)")


def trace_note(rows: list[LayerRow], error: str) -> str:
    failed = next((r for r in rows if r.output is None), None)
    if failed is None:
        last = rows[-1]
        return (f"Every layer ran; the error came from forward() code after `{last.layer}` ({last.type}, output "
                f"{last.output}): a view/reshape, torch.cat or an operation on the wrong dimension.")
    where = f"Layer {rows.index(failed) + 1}, `{failed.layer}` ({failed.type}), received {failed.input}"
    if (m := _MATMUL.search(error)) and failed.type in ("Linear", "Bilinear", "LazyLinear"):
        return f"{where}: {m.group(2)} features arrive, but it was built for {m.group(3)} (its in_features)."
    if m := _CHANNELS.search(error):
        return f"{where}: {m.group(2)} channels arrive, but it was built for {m.group(1)} (its in_channels)."
    if m := _ELEMENTS.search(error):
        return f"{where}: {m.group(2)} features arrive, but it was built for {m.group(1)} (its num_features)."
    return f"{where} and raised; compare that shape with what the layer was built for."
