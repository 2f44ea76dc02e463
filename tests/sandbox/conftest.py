"""Fixtures for the sandbox tests (the helpers live in ``sandbox_support``)."""

from sandbox_support import canary_file, sandbox

__all__ = ["canary_file", "sandbox"]
