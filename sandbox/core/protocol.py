"""The job channel: framed messages over a Unix socket, never stdout.

A message is a JSON header frame followed by one frame per numpy array named in the header.
Arrays travel in the .npy format and are read with ``allow_pickle=False``: nothing that crosses
the boundary is unpickled. Every frame and every message has a size cap, so a hostile child
cannot make the trusted side allocate without bound.
"""

from __future__ import annotations

import io
import json
import socket
import struct
from typing import Any

import numpy as np

from sandbox.core.errors import ProtocolError

HEADER = struct.Struct(">I")
MAX_HEADER_BYTES = 1 << 20  # JSON part of one message
DEFAULT_MAX_MESSAGE_BYTES = 256 << 20  # all frames of one message


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
    if len(frame) > MAX_HEADER_BYTES:
        raise ProtocolError("message header too large")
    try:
        header = json.loads(frame)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"malformed message header: {exc}") from exc
    if not isinstance(header, dict) or not isinstance(header.get("type"), str):
        raise ProtocolError("message header is not an object with a type")
    if not isinstance(header.get("values", {}), dict) or not isinstance(header.get("arrays", []), list):
        raise ProtocolError("message header has malformed values or arrays")
    if not all(isinstance(k, str) for k in header.get("arrays", [])):
        raise ProtocolError("array names must be strings")
    return header


def decode_array(frame: bytes) -> np.ndarray:
    try:
        array = np.load(io.BytesIO(frame), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ProtocolError(f"malformed array frame: {exc}") from exc
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf":
        raise ProtocolError("arrays must hold numbers or booleans")
    return array


def payload_of(header: dict[str, Any], arrays: list[np.ndarray]) -> dict[str, Any]:
    payload: dict[str, Any] = dict(header.get("values", {}))
    payload.update(zip(header.get("arrays", []), arrays, strict=True))
    return payload


class FrameReader:
    """Incremental frame parser for the trusted side (feed bytes, get whole messages)."""

    def __init__(self, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self._buf = bytearray()
        self._max = max_message_bytes
        self._header: dict[str, Any] | None = None
        self._arrays: list[np.ndarray] = []
        self._message_bytes = 0

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buf.extend(data)
        messages: list[dict[str, Any]] = []
        while True:
            frame = self._next_frame()
            if frame is None:
                return messages
            message = self._on_frame(frame)
            if message is not None:
                messages.append(message)

    def _next_frame(self) -> bytes | None:
        if len(self._buf) < HEADER.size:
            return None
        (length,) = HEADER.unpack_from(self._buf)
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
