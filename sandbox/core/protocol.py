"""The job channel: framed messages over a Unix socket, never stdout.

A message is a JSON header frame followed by one frame per numpy array named in the header.
Arrays travel in the .npy format and are parsed here, strictly, without numpy's loader (so nothing
that crosses the boundary is unpickled, and nothing is allocated from what a header merely
claims): a plain numeric dtype, a shape whose size times the itemsize is exactly the bytes that
came, then one copy in native byte order and C order.

Every frame and every message has a size cap, a header's nesting is bounded, a reader can also
cap the messages and bytes of a whole job, and any failure to decode is a ``ProtocolError`` (the
other end's fault), never an exception of another type: a hostile child cannot make the trusted
side allocate without bound, recurse without bound, or fail in a way that looks like ours.
"""

from __future__ import annotations

import io
import json
import math
import re
import socket
import struct
from collections.abc import Iterator
from typing import Any

import numpy as np

from sandbox.core.errors import ProtocolError

HEADER = struct.Struct(">I")
MAX_HEADER_BYTES = 1 << 20  # JSON part of one message
MAX_JSON_DEPTH = 100  # lists and objects nested in one header, the header object itself included
MAX_ARRAYS = 10_000  # arrays one message may name
MAX_ARRAY_DIMS = 32  # dimensions of one array
MAX_ARRAY_ELEMENTS = 1 << 28  # elements of one array, and the largest any one dimension may be
DEFAULT_MAX_MESSAGE_BYTES = 256 << 20  # all frames of one message
#: What an array frame may hold: booleans, integers and floats of up to 8 bytes (no objects,
#: strings, records, sub-arrays, complex numbers, dates or long doubles).
ARRAY_TYPES = frozenset(("b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8"))

_NPY_MAGIC = b"\x93NUMPY"
_NPY_MAX_HEADER = 4096  # what numpy.save writes for any shape we accept is well under this
_NPY_HEADER = re.compile(  # exactly what numpy.save writes: keys sorted, padded with spaces
    r"\{'descr': '(?P<order>[<>|=])(?P<type>[a-z]\d{1,2})', 'fortran_order': (?P<fortran>True|False), "
    r"'shape': \((?P<shape>[0-9, ]*)\)(?:, )?\} *\n"
)
_DIM = re.compile(r"[0-9]{1,19}")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def encode(kind: str, payload: dict[str, Any] | None = None, **fields: Any) -> list[bytes]:
    """Frames of one message: JSON values go in the header, arrays in frames of their own."""
    payload = payload or {}
    arrays = {k: v for k, v in payload.items() if isinstance(v, np.ndarray)}
    values = {k: v for k, v in payload.items() if k not in arrays}
    header = {"type": kind, **fields, "values": values, "arrays": list(arrays)}
    frames = [json.dumps(header, allow_nan=False).encode()]
    for array in arrays.values():
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
        frames.append(buf.getvalue())
    return frames


def send(sock: socket.socket, kind: str, payload: dict[str, Any] | None = None, **fields: Any) -> None:
    """Blocking send, used inside the sandbox child."""
    for frame in encode(kind, payload, **fields):
        sock.sendall(HEADER.pack(len(frame)) + frame)


def decode_header(frame: bytes) -> dict[str, Any]:
    """The JSON header of a message, bounded: size, nesting, strings that are valid Unicode."""
    if len(frame) > MAX_HEADER_BYTES:
        raise ProtocolError("message header too large")
    try:
        text = frame.decode("utf-8")
        header = json.loads(text)
    except RecursionError:
        raise ProtocolError(f"the message header nests too deeply (at most {MAX_JSON_DEPTH} levels)") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"malformed message header: {str(exc)[:200]}") from None
    except Exception as exc:  # whatever else the parser may raise is still the sender's fault
        raise ProtocolError(f"malformed message header ({type(exc).__name__})") from None
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH:  # else it cannot nest too deeply
        _check_depth(header)
    if _SURROGATE_ESCAPE.search(text) is not None:
        header = _fix_text(header)
    if not isinstance(header, dict) or not isinstance(header.get("type"), str):
        raise ProtocolError("message header is not an object with a type")
    if not isinstance(header.get("values", {}), dict) or not isinstance(header.get("arrays", []), list):
        raise ProtocolError("message header has malformed values or arrays")
    if not all(isinstance(k, str) for k in header.get("arrays", [])):
        raise ProtocolError("array names must be strings")
    if len(header.get("arrays", [])) > MAX_ARRAYS:
        raise ProtocolError(f"a message names more than {MAX_ARRAYS} arrays")
    return header


def _check_depth(header: Any) -> None:
    """Raise when lists and objects nest deeper than MAX_JSON_DEPTH (level by level, no recursion)."""
    level, depth = [header], 1
    while level:
        if depth > MAX_JSON_DEPTH:
            raise ProtocolError(f"the message header nests too deeply (at most {MAX_JSON_DEPTH} levels)")
        below: list[Any] = []
        for value in level:
            items = value.values() if type(value) is dict else value
            below.extend([item for item in items if type(item) is list or type(item) is dict])
        level, depth = below, depth + 1


def _fix_text(value: Any) -> Any:
    """``value`` with lone surrogates (which JSON escapes can make and no UTF-8 encoder takes)
    replaced in every string and key; called on a header whose depth is already checked."""
    if isinstance(value, dict):
        return {_valid_text(k): _fix_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fix_text(v) for v in value]
    return _valid_text(value) if isinstance(value, str) else value


def _valid_text(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def decode_array(frame: bytes) -> np.ndarray:
    """One array frame, checked before anything is allocated; any failure is a ProtocolError."""
    try:
        return _decode_array(frame)
    except ProtocolError:
        raise
    except Exception as exc:  # whatever else goes wrong reading it is still the sender's fault
        raise ProtocolError(f"malformed array frame ({type(exc).__name__})") from None


def _decode_array(frame: bytes) -> np.ndarray:
    if len(frame) < 10 or frame[:6] != _NPY_MAGIC:
        raise ProtocolError("an array frame is not in the .npy format")
    version = (frame[6], frame[7])
    if version == (1, 0):
        (length,), start = struct.unpack_from("<H", frame, 8), 10
    elif version == (2, 0) and len(frame) >= 12:
        (length,), start = struct.unpack_from("<I", frame, 8), 12
    else:
        raise ProtocolError(f"an array frame has .npy version {version[0]}.{version[1]}, not 1.0 or 2.0")
    end = start + length
    if length > _NPY_MAX_HEADER or end > len(frame):
        raise ProtocolError("an array frame's .npy header is too long or cut short")
    match = _NPY_HEADER.fullmatch(frame[start:end].decode("latin-1"))
    if match is None:
        raise ProtocolError("an array frame's .npy header is not one numpy.save writes for a plain array")
    if match["type"] not in ARRAY_TYPES:
        raise ProtocolError(f"arrays must hold numbers or booleans, not {match['type']!r}")
    dtype = np.dtype(match["order"] + match["type"])
    shape = _shape(match["shape"])
    count = math.prod(shape)
    if count > MAX_ARRAY_ELEMENTS or any(d > MAX_ARRAY_ELEMENTS for d in shape):
        raise ProtocolError(f"an array frame declares shape {_pretty(shape)}, over {MAX_ARRAY_ELEMENTS} elements")
    if count * dtype.itemsize != len(frame) - end:
        raise ProtocolError(f"an array frame declares {count * dtype.itemsize} bytes of data "
                            f"({_pretty(shape)} of {dtype.str}) and holds {len(frame) - end}")
    native = dtype.newbyteorder("=")
    if count == 0:
        return np.zeros(shape, dtype=native)
    flat = np.frombuffer(frame, dtype=dtype, count=count, offset=end)
    if dtype.kind == "b":
        flat = flat.view(np.uint8) != 0  # a bool byte is 0 or 1 whatever the frame held
    shaped = flat.reshape(shape, order="F") if match["fortran"] == "True" else flat.reshape(shape)
    return np.array(shaped, dtype=native, order="C", copy=True)


def _shape(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.split(",")] if text.strip() else []
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()  # the trailing comma of a one-dimensional tuple
    if len(parts) > MAX_ARRAY_DIMS:
        raise ProtocolError(f"an array frame has more than {MAX_ARRAY_DIMS} dimensions")
    if not all(_DIM.fullmatch(p) for p in parts):
        raise ProtocolError("an array frame's shape is not a tuple of sizes")
    return tuple(int(p) for p in parts)


def _pretty(shape: tuple[int, ...]) -> str:
    text = "(" + ", ".join(str(d) for d in shape) + ")"
    return text if len(text) <= 80 else text[:77] + "..."


def payload_of(header: dict[str, Any], arrays: list[np.ndarray]) -> dict[str, Any]:
    payload: dict[str, Any] = dict(header.get("values", {}))
    payload.update(zip(header.get("arrays", []), arrays, strict=True))
    return payload


class FrameReader:
    """Incremental frame parser: ``push`` bytes and iterate ``messages``, or ``feed`` for both.

    ``max_message_bytes`` caps one message (all its frames); ``max_messages`` and
    ``max_channel_bytes``, when given, cap everything this reader is ever given (one job's channel).
    Exceeding any cap, like any malformed frame, raises ``ProtocolError``.
    """

    def __init__(self, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES, *, max_messages: int | None = None,
                 max_channel_bytes: int | None = None) -> None:
        self._buf = bytearray()
        self._max = max_message_bytes
        self._max_messages = max_messages
        self._max_channel_bytes = max_channel_bytes
        self._header: dict[str, Any] | None = None
        self._arrays: list[np.ndarray] = []
        self._message_bytes = 0
        self._messages = 0
        self._received = 0

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """Take bytes, return the whole messages they complete (all or nothing: see ``messages``)."""
        self.push(data)
        return list(self.messages())

    def push(self, data: bytes) -> None:
        """Take bytes; ``messages`` then yields what they complete."""
        self._received += len(data)
        if self._max_channel_bytes is not None and self._received > self._max_channel_bytes:
            raise ProtocolError(f"the job sent too much over its channel: more than {self._max_channel_bytes} bytes")
        self._buf.extend(data)

    def messages(self) -> Iterator[dict[str, Any]]:
        """The whole messages buffered so far, one at a time, so that a caller handles each one
        before a later frame can raise (the job's greeting is never lost behind its garbage)."""
        while True:
            frame = self._next_frame()
            if frame is None:
                return
            try:
                message = self._on_frame(frame)
            except ProtocolError:
                raise
            except Exception as exc:  # a frame we cannot read is the sender's fault, whatever the reason
                raise ProtocolError(f"undecodable frame ({type(exc).__name__})") from None
            if message is not None:
                self._messages += 1
                if self._max_messages is not None and self._messages > self._max_messages:
                    raise ProtocolError(f"the job sent too much over its channel: more than {self._max_messages} messages")
                yield message

    def _next_frame(self) -> bytes | None:
        if len(self._buf) < HEADER.size:
            return None
        (length,) = HEADER.unpack_from(self._buf)
        if self._header is None and length > MAX_HEADER_BYTES:  # said up front: no need to wait for it
            raise ProtocolError(f"message header too large ({length} bytes, at most {MAX_HEADER_BYTES})")
        if self._message_bytes + length > self._max:
            raise ProtocolError(f"message exceeds {self._max} bytes")
        if len(self._buf) < HEADER.size + length:
            return None
        frame = bytes(self._buf[HEADER.size : HEADER.size + length])
        del self._buf[: HEADER.size + length]
        return frame

    def _on_frame(self, frame: bytes) -> dict[str, Any] | None:
        self._message_bytes += len(frame)
        if self._header is None:
            self._header = decode_header(frame)
            self._arrays = []
        else:
            self._arrays.append(decode_array(frame))
        if len(self._arrays) < len(self._header.get("arrays", [])):
            return None
        message = dict(self._header)
        message["payload"] = payload_of(self._header, self._arrays)
        self._header, self._arrays, self._message_bytes = None, [], 0
        return message


class BlockingChannel:
    """The child's end of the job channel: blocking sends, whole-message receives."""

    def __init__(self, sock: socket.socket, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self.sock = sock
        self._reader = FrameReader(max_message_bytes)
        self._pending: list[dict[str, Any]] = []

    def send(self, kind: str, payload: dict[str, Any] | None = None, **fields: Any) -> None:
        send(self.sock, kind, payload, **fields)

    def recv(self) -> dict[str, Any]:
        while not self._pending:
            data = self.sock.recv(1 << 20)
            if not data:
                raise ProtocolError("channel closed")
            self._pending.extend(self._reader.feed(data))
        return self._pending.pop(0)
