"""Storage exceptions: one root so callers can catch every storage failure in one place."""

from __future__ import annotations


class StorageError(Exception):
    """Root of every error raised by the storage package."""


class NotFound(StorageError, LookupError):
    """The row the caller referred to does not exist."""


class Conflict(StorageError):
    """The operation contradicts the current state (e.g. reviewing a finished request)."""


class InvalidValue(StorageError, ValueError):
    """An argument is outside the values storage accepts (unknown status, setting, verdict)."""


class ImmutableRow(Conflict):
    """Somebody tried to change a row that is write-once (a grading Result)."""
