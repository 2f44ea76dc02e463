"""The isolation core: runs untrusted code and says how it ended, knowing no challenge.

Isolation (namespaces, cgroups, pivot_root, seccomp, uid drop), the warm zygote pool, the
supervisor, the framed job channel, and the job spec and outcome. It imports nothing of the
project's other packages (an import-linter contract holds that line), so it can be read, reviewed
and reused on its own; the grading conversation lives one layer up, in ``sandbox.driver``.
"""
