"""Hostile bytes on the job channel: samples that write raw frames to fd 3 from learner code.

Learner code shares the interpreter with the sandbox-side half of a kind, so it can write
anything to the channel (fd 3): the trusted side must turn every such message into a clear
verdict (``failed`` or ``error``), never an exception, a hang or an ``infrastructure`` report.

Each sample is a piece of learner source defining ``attack(...)``, which returns the bytes to
write (a list of chunks for big ones) or sends them itself (floods). It runs at one of four
stages of a ``trained`` job (shapes-classifier), from inside the learner's ``train()``:

``raw``
    the bytes are written instead of the conversation, then the learner waits;
``exit``
    the same, then the process exits (a forged ``error`` message, as the honest side would);
``progress``
    the bytes are written, then training returns and the honest conversation goes on;
``facts``
    the bytes are the facts message; the test inputs are then read off fd 3 and honest
    predictions written back;
``predictions``
    honest facts are written, the test inputs read, and the bytes (``attack(inputs)``) are the
    predictions message.

``FUNCTION_ATTACKS`` are the ``functions`` kind's (install-command): ``attack(ids)`` returns the
results message, written from inside the first call of ``pip_command``. The same helpers run in
this process too (``build``), so the unit tests feed the very same bytes to the trusted readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: Learner-side helpers: frames, .npy frames that say whatever we like, reading fd 3 ourselves.
HELPERS = r'''
import io, json, os, struct, sys, time
import numpy as np

def frame(b):
    return struct.pack(">I", len(b)) + b

def npy(array):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()

def npy_raw(descr, shape, fortran=False, data=b""):
    """A .npy frame whose header says whatever we like, followed by whatever bytes we like."""
    head = f"{{'descr': {descr!r}, 'fortran_order': {fortran!r}, 'shape': {shape!r}, }}".encode()  # numpy.save's layout
    head += b" " * (-(10 + len(head) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head + data

def message(kind, values=None, arrays=None, raw=(), **fields):
    arrays = dict(arrays or {})
    names = list(arrays) + [name for name, _ in raw]
    head = json.dumps({"type": kind, **fields, "values": values or {}, "arrays": names}).encode()
    return frame(head) + b"".join(frame(npy(a)) for a in arrays.values()) + b"".join(frame(r) for _, r in raw)

def send(data):
    for chunk in (data if isinstance(data, list) else [data]):
        view = memoryview(chunk)
        while view:
            view = view[os.write(3, view):]

def _exact(n):
    out = bytearray()
    while len(out) < n:
        chunk = os.read(3, min(n - len(out), 1 << 20))
        if not chunk:
            raise EOFError("channel closed")
        out += chunk
    return bytes(out)

def receive():
    """One whole message from the trusted side (the test inputs), read off fd 3 ourselves."""
    head = json.loads(_exact(struct.unpack(">I", _exact(4))[0]))
    return {n: np.load(io.BytesIO(_exact(struct.unpack(">I", _exact(4))[0]))) for n in head["arrays"]}

def honest_facts(**values):
    facts = {"module_types": ["Conv2d", "Flatten", "Linear", "Sequential"], "bidirectional_rnn": False,
             "parameter_names": ["1.weight"], "_steps": 1, **values}
    return message("facts", facts, {"_losses": np.ones(3, np.float32), "w:1.weight": np.ones((4, 784), np.float32)})

def honest_predictions(inputs, values=None, arrays=None, raw=()):
    out = {"pred": np.zeros(len(inputs["x"]), np.int64)}
    out.update({k: np.zeros((len(v), 4), np.float32) for k, v in inputs.items() if k.startswith("probe:")})
    out.update(arrays or {})
    for name in list(values or {}) + [n for n, _ in raw]:
        out.pop(name, None)
    return message("predictions", values, out, raw)
'''

MODEL = '''
import torch
from torch import nn

def build_model():  # no convolution: these samples are about the channel, not the model
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 4))
'''

TRAIN = {
    "raw": "def train(model, loader, time_budget_s):\n    send(attack())\n    time.sleep(120)\n",
    "exit": "def train(model, loader, time_budget_s):\n    send(attack())\n    os._exit(1)\n",
    "progress": "def train(model, loader, time_budget_s):\n    send(attack())\n",
    "facts": "def train(model, loader, time_budget_s):\n    send(attack())\n    send(honest_predictions(receive()))\n"
             "    time.sleep(120)\n",
    "predictions": "def train(model, loader, time_budget_s):\n    send(honest_facts())\n    send(attack(receive()))\n"
                   "    time.sleep(120)\n",
}

FUNCTION_CALL = '''
def pip_command(platform):
    calls = sys._getframe(1).f_locals["calls"]  # the sandbox side's own list of the grader's calls
    send(attack([str(c["id"]) for c in calls]))
    time.sleep(120)
'''


@dataclass(frozen=True)
class ChannelAttack:
    name: str
    category: int  # the hardening class (1-6) it belongs to
    stage: str  # raw, progress, facts, predictions; "results" for the functions kind
    code: str  # defines attack(...)
    verdicts: tuple[str, ...] = ("failed", "error")
    expect: str = ""  # a substring of the report's messages

    @property
    def source(self) -> str:
        if self.stage == "results":
            return HELPERS + self.code + FUNCTION_CALL
        return HELPERS + MODEL + self.code + TRAIN[self.stage]


def _a(name: str, category: int, stage: str, body: str, **kw: Any) -> ChannelAttack:
    return ChannelAttack(name, category, stage, body.strip("\n") + "\n", **kw)


TOO_MUCH = "too much over its channel"
PROTOCOL = "result protocol"

ATTACKS = [
    # --- 1. headers: nesting, size, encoding -------------------------------------------------------
    _a("deep_json_header", 1, "raw", '''
def attack():
    return frame(b'{"type":"progress","values":{"x":' + b"[" * 100_000 + b"]" * 100_000 + b'},"arrays":[]}')
''', verdicts=("error",), expect=PROTOCOL),
    _a("nested_just_under_json_limit", 1, "raw", '''
def attack():
    return frame(b'{"type":"error","error":' + b"[" * 950 + b"]" * 950 + b'}')
''', verdicts=("error",)),
    _a("header_declared_huge", 1, "raw", '''
def attack():
    return struct.pack(">I", 60 << 20) + b'{"type":"progress"'  # then nothing: a 60 MiB header never comes
''', verdicts=("error",), expect="header"),
    _a("header_over_limit_sent", 1, "raw", '''
def attack():
    return frame(b'{"type":"progress","pad":"' + b"x" * (2 << 20) + b'"}')
''', verdicts=("error",), expect="header"),
    _a("lone_surrogates_in_error", 1, "exit", r'''
def attack():
    return frame(b'{"type":"error","error":"boom \\ud800\\udfff\\udc00 end","traceback":"\\udbff"}')
''', verdicts=("error",), expect="boom"),
    _a("nan_and_infinity_constants", 1, "exit", '''
def attack():
    return frame(b'{"type":"error","error":NaN,"traceback":[Infinity,-Infinity,1e999]}')
''', verdicts=("error",)),
    # --- 2. .npy frames ----------------------------------------------------------------------------
    _a("npy_8_tib_declared", 2, "raw", '''
def attack():
    return message("progress", raw=[("a", npy_raw("<f8", (1 << 40,)))])
''', verdicts=("error",), expect=PROTOCOL),
    _a("npy_shape_overflows_int64", 2, "raw", '''
def attack():
    return message("progress", raw=[("a", npy_raw("<f8", (10**30,)))])
''', verdicts=("error",), expect=PROTOCOL),
    _a("npy_shape_product_wraps", 2, "raw", '''
def attack():
    return message("progress", raw=[("a", npy_raw("<f8", (2**32, 2**32), data=b"\\0" * 8))])
''', verdicts=("error",), expect=PROTOCOL),
    _a("npy_negative_shape", 2, "raw", '''
def attack():
    return message("progress", raw=[("a", npy_raw("<f4", (-4, 2), data=b"\\0" * 32))])
''', verdicts=("error",), expect=PROTOCOL),
    _a("npy_too_few_bytes", 2, "raw", '''
def attack():
    return message("progress", raw=[("a", npy_raw("<f4", (1000, 1000), data=b"\\0" * 64))])
''', verdicts=("error",), expect=PROTOCOL),
    _a("npy_trailing_bytes", 2, "raw", '''
def attack():
    return message("progress", raw=[("a", npy_raw("<f4", (2,), data=b"\\0" * 4096))])
''', verdicts=("error",), expect=PROTOCOL),
    _a("npy_object_dtype", 2, "raw", '''
def attack():
    return message("progress", raw=[("a", npy_raw("|O", (1,), data=b"\\x80\\x04N."))])
''', verdicts=("error",), expect=PROTOCOL),
    _a("npy_structured_dtype", 2, "raw", '''
def attack():
    return message("progress", raw=[("a", npy_raw([("x", "<f8"), ("y", "<i4", (10**6,))], (1,)))])
''', verdicts=("error",), expect=PROTOCOL),
    _a("npy_unsupported_dtypes", 2, "raw", '''
def attack():
    return message("progress", raw=[("a", npy_raw("<f16", (1,), data=b"\\0" * 16)), ("b", npy_raw("<c8", (1,), data=b"\\0" * 8))])
''', verdicts=("error",), expect=PROTOCOL),
    _a("npy_bad_magic_and_header", 2, "raw", '''
def attack():
    return message("progress", raw=[("a", b"\\x93NUMPY\\x03\\x00" + struct.pack("<I", 10) + b"{'descr':1}")])
''', verdicts=("error",), expect=PROTOCOL),
    _a("npy_zero_size_absurd_dims", 2, "predictions", '''
def attack(inputs):
    return honest_predictions(inputs, raw=[("pred", npy_raw("<i8", (0, 10**15, 10**15)))])
''', verdicts=("error",), expect=PROTOCOL),
    _a("npy_byte_order_and_fortran", 2, "predictions", '''
def attack(inputs):
    n = len(inputs["x"])
    odd = {k: np.asfortranarray(np.zeros((len(v), 4), ">f4")) for k, v in inputs.items() if k.startswith("probe:")}
    return honest_predictions(inputs, arrays={"pred": np.zeros(n, ">i8"), **odd})
''', verdicts=("failed",)),
    _a("weights_declared_not_sent", 2, "facts", '''
def attack():
    return message("facts", {"module_types": ["Conv2d"], "_steps": 1}, raw=[("w:0.weight", npy_raw("|i1", (10**8,)))])
''', verdicts=("error",), expect=PROTOCOL),
    # --- 3. floods -----------------------------------------------------------------------------------
    _a("message_flood", 3, "raw", '''
def attack():
    one = frame(b'{"type":"progress","step":1}')
    while True:
        send(one * 4096)
''', verdicts=("error",), expect=TOO_MUCH),
    _a("channel_bytes_flood", 3, "raw", '''
def attack():
    big = message("progress", {"step": 1}, {"pad": np.zeros(60 << 20, np.uint8)})
    while True:
        send(big)
''', verdicts=("error",), expect=TOO_MUCH),
    _a("tiny_array_frames_flood", 3, "raw", '''
def attack():
    tiny = frame(npy(np.zeros(1, np.uint8)))
    n = 340_000
    return [frame(json.dumps({"type": "progress", "values": {}, "arrays": [""] * n}, separators=(",", ":")).encode()), tiny * n]
''', verdicts=("error",), expect=PROTOCOL),
    _a("empty_frames_flood", 3, "raw", '''
def attack():
    while True:
        send(b"\\0\\0\\0\\0" * 65536)
''', verdicts=("error",), expect=PROTOCOL),
    # --- 4. progress and phase fields of the wrong type ---------------------------------------------
    _a("progress_wrong_types", 4, "progress", '''
def attack():
    bad = [{"step": {"a": 1}, "loss": "low", "elapsed": [1]}, {"step": True, "loss": False, "elapsed": None},
           {"step": -5, "loss": {"x": 1}, "elapsed": "3"}, {"step": 1.5, "loss": [0.1], "elapsed": {"s": 1}},
           {"step": "7", "loss": None, "elapsed": -100.0}, {"name": {"n": 1}, "step": 10**12 + 1}]
    return b"".join(frame(json.dumps({"type": "progress", **b}).encode()) for b in bad)
''', verdicts=("failed",)),
    _a("progress_non_finite", 4, "progress", '''
def attack():
    bad = [b'{"type":"progress","step":1,"loss":NaN,"elapsed":NaN}',
           b'{"type":"progress","step":2,"loss":Infinity,"elapsed":Infinity}',
           b'{"type":"progress","step":3,"loss":-1e999,"elapsed":1e999}']
    return b"".join(frame(b) for b in bad)
''', verdicts=("failed",)),
    _a("progress_huge_integers", 4, "progress", '''
def attack():
    big = b"9" * 4000  # within the interpreter's 4300-digit limit: float() of it overflows
    return frame(b'{"type":"progress","step":' + big + b',"loss":' + big + b',"elapsed":' + big + b'}') + \\
        frame(b'{"type":"progress","step":1,"loss":-' + big + b',"elapsed":-' + big + b'}')
''', verdicts=("failed",)),
    _a("progress_10000_digit_integer", 4, "progress", '''
def attack():
    return frame(b'{"type":"progress","step":' + b"9" * 10_000 + b'}')
''', verdicts=("error",), expect=PROTOCOL),
    _a("phase_name_wrong_type", 4, "progress", '''
def attack():
    return frame(b'{"type":"phase","name":{"train":' + b"9" * 4000 + b'}}')
''', verdicts=("error",), expect="phase"),
    # --- 5. payloads of the wrong type (trained kind) ------------------------------------------------
    _a("steps_huge_integer", 5, "facts", '''
def attack():
    return honest_facts(_steps=10**400)
''', verdicts=("failed",)),
    _a("steps_float_and_negative", 5, "facts", '''
def attack():
    return honest_facts(_steps=-1e300)
''', verdicts=("failed",)),
    _a("module_types_huge", 5, "facts", '''
def attack():
    return honest_facts(module_types=["Conv2d" * 4] * 20_000 + [{"x": 1}, 10**400])
''', verdicts=("failed",)),
    _a("parameter_names_absurd", 5, "facts", '''
def attack():
    return honest_facts(parameter_names=["n" * 1000] * 500 + [[1, [2]], None], bidirectional_rnn="yes")
''', verdicts=("failed",)),
    _a("losses_non_finite", 5, "facts", '''
def attack():
    return message("facts", {"module_types": ["Conv2d"], "_steps": 3},
                   {"_losses": np.array([np.nan, np.inf, -np.inf, 1e38, 0.5], np.float32)})
''', verdicts=("failed",)),
    _a("weights_not_float", 5, "facts", '''
def attack():
    return message("facts", {"module_types": ["Conv2d"], "parameter_names": ["w"], "w:w": [1, 2, 3], "w:v": 10**400},
                   {"w:0.weight": np.ones(10**6, np.int8), "w:b": np.ones(3, bool)})
''', verdicts=("failed",)),
    _a("facts_values_mistyped", 5, "facts", '''
def attack():
    return message("facts", {"module_types": "Conv2d", "_losses": [1.0, "x"], "_steps": "many", "parameter_names": 5})
''', verdicts=("failed",)),
    _a("pred_json_list", 5, "predictions", '''
def attack(inputs):
    return honest_predictions(inputs, values={"pred": [0] * len(inputs["x"])})
''', verdicts=("failed",)),
    _a("pred_dict_and_huge_int", 5, "predictions", '''
def attack(inputs):
    probes = {k: 10**400 for k in inputs if k.startswith("probe:")}
    return honest_predictions(inputs, values={"pred": {"__array__": [0], "dtype": "int64"}, "bidirectional_ran": 10**400, **probes})
''', verdicts=("failed",)),
    _a("pred_huge_int", 5, "predictions", '''
def attack(inputs):
    return honest_predictions(inputs, values={"pred": 10**400})
''', verdicts=("failed",)),
    _a("probe_error_huge", 5, "predictions", '''
def attack(inputs):
    errors = {k + ":error": "E" * 500_000 for k in inputs if k.startswith("probe:")}
    for k in list(errors):
        errors[k[: -len(":error")]] = None
    return honest_predictions(inputs, values=errors)
''', verdicts=("failed",)),
    _a("pred_float16_nan", 5, "predictions", '''
def attack(inputs):
    return honest_predictions(inputs, arrays={"pred": np.full(len(inputs["x"]), np.nan, np.float16)})
''', verdicts=("failed",)),
]

FUNCTION_ATTACKS = [
    _a("values_deep_nesting", 5, "results", '''
def attack(ids):
    deep = b"[" * 600 + b"]" * 600
    values = b",".join(json.dumps(i).encode() + b":" + deep for i in ids)
    return frame(b'{"type":"results","values":{"values":{' + values + b'},"errors":{}},"arrays":[]}')
''', verdicts=("failed", "error")),
    _a("errors_huge_strings", 5, "results", '''
def attack(ids):
    return message("results", {"values": {}, "errors": {i: "E" * 20_000 for i in ids}})
''', verdicts=("failed",)),
    _a("wire_array_huge_itemsize", 5, "results", '''
def attack(ids):
    huge = {"__array__": ["x"] * 1000, "dtype": "S1000000000", "shape": [1000]}
    return message("results", {"values": {i: huge for i in ids}, "errors": {}})
''', verdicts=("failed",)),
    _a("wire_array_subarray_dtype", 5, "results", '''
def attack(ids):
    huge = {"__array__": [1.0] * 100, "dtype": "(100000000,)f8", "shape": [100]}
    return message("results", {"values": {i: huge for i in ids}, "errors": {}})
''', verdicts=("failed",)),
    _a("wire_array_huge_declared_shape", 5, "results", '''
def attack(ids):
    lie = {"__array__": [1, 2], "dtype": "int64", "shape": [10**12, 10**12]}
    return message("results", {"values": {i: lie for i in ids}, "errors": {}})
''', verdicts=("failed",)),
    _a("wire_array_huge_ints", 5, "results", '''
def attack(ids):
    big = {"__array__": [10**400], "dtype": "float64", "shape": [1]}
    return message("results", {"values": {i: [big, 10**400, {"__float__": [1]}] for i in ids}, "errors": {i: 5 for i in ids}})
''', verdicts=("failed",)),
    _a("array_key_holds_json", 5, "results", '''
def attack(ids):
    return message("results", {"values": {}, "errors": {}, **{"r:" + i: [10**400] for i in ids}})
''', verdicts=("failed",)),
]


#: What a plain job (no conversation) runs after the helpers and the sample, per stage.
PLAIN_TAIL = {"raw": "send(attack())\ntime.sleep(120)\n", "exit": "send(attack())\nos._exit(1)\n"}


def build(attack: ChannelAttack, *args: Any) -> bytes:
    """The bytes a sample writes, made in this process with the same helpers (not for floods)."""
    namespace: dict[str, Any] = {}
    exec(HELPERS + attack.code, namespace)
    out = namespace["attack"](*args)
    return b"".join(out) if isinstance(out, list) else bytes(out)


def fake_inputs() -> dict[str, np.ndarray]:
    """Test inputs shaped like shapes-classifier's, for building predictions-stage samples here."""
    return {"x": np.zeros((1000, 1, 28, 28), np.float32), "probe:output_shape": np.zeros((3, 1, 28, 28), np.float32)}


FLOODS = {"message_flood", "channel_bytes_flood", "empty_frames_flood"}


def helpers() -> dict[str, Any]:
    """The learner-side helpers as functions of this process (honest facts and predictions)."""
    namespace: dict[str, Any] = {}
    exec(HELPERS, namespace)
    return namespace
