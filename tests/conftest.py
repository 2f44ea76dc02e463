"""Fixtures shared across the test tree: one real sandbox (a warm pool with planted secrets) for
every test that runs jobs, whichever folder it lives in. ``tests/sandbox`` is not a package; its
folder is put on the path so its helpers import as ``sandbox_support``."""

import sys
from pathlib import Path

_SANDBOX_TESTS = str(Path(__file__).resolve().parent / "sandbox")
if _SANDBOX_TESTS not in sys.path:
    sys.path.insert(0, _SANDBOX_TESTS)

from sandbox_support import canary_file, sandbox  # noqa: E402

__all__ = ["canary_file", "sandbox"]
