"""One exception root for the sandbox package."""


class SandboxError(Exception):
    """Root of the sandbox package's exceptions."""


class ProtocolError(SandboxError):
    """The other end of a job channel broke the protocol (malformed, oversized or out of order)."""


class SandboxUnavailable(SandboxError):
    """The kernel lacks a feature the sandbox needs; submissions must not run here."""


class ConversationFailed(SandboxError):
    """The caller's side of a job's conversation raised: the job's fate is our fault."""
