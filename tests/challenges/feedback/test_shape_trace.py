"""The shape tracer: a model that fails at its third layer gets the table up to it, and the
mismatch is named with the error's own numbers."""

from __future__ import annotations

import torch
from torch import nn

from challenges.feedback.shape_trace import trace_note
from challenges.kinds.inside_kit import trace_shapes
from challenges.kinds.trained import _readable_trace
from challenges.verdict import LayerRow


def third_layer_fails() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.Flatten(), nn.Linear(8 * 14 * 14, 4))


def test_the_table_stops_at_the_layer_that_raised() -> None:
    model = third_layer_fails()
    x = torch.zeros(2, 1, 28, 28)
    try:
        model(x)
    except RuntimeError as exc:
        error = str(exc)
    rows = _readable_trace(trace_shapes(model, lambda: model(x)))
    assert [r.type for r in rows] == ["Conv2d", "Flatten", "Linear"]
    assert rows[0].output == "(2, 8, 28, 28)" and rows[1].output == "(2, 6272)"
    assert rows[2].output is None and rows[2].params == 8 * 14 * 14 * 4 + 4
    note = trace_note(rows, error)
    assert "Layer 3" in note and "6272 features arrive" in note and "1568" in note
    assert not any(h for m in model.modules() for h in (m._forward_hooks, m._forward_pre_hooks))  # hooks removed


def test_a_forged_or_absurd_trace_is_dropped() -> None:
    assert _readable_trace("rows") == []
    assert _readable_trace([{"layer": "a", "type": "b", "input": "c", "output": None, "params": -1}]) == []
    assert _readable_trace([{"layer": 1, "type": "b", "input": "c", "output": None, "params": 1}]) == []
    rows = _readable_trace([{"layer": "x" * 500, "type": "T", "input": "(1,)", "output": "(1,)", "params": 3}] * 500)
    assert len(rows) == 64 and len(rows[0].layer) == 80


def test_a_mismatch_outside_any_layer_is_named_too() -> None:
    rows = [LayerRow("0", "Conv2d", "(2, 1, 8, 8)", "(2, 4, 8, 8)", 40)]
    assert "forward() code after `0`" in trace_note(rows, "shape '[2, 99]' is invalid")
