"""Challenge kinds: ``trained``, ``functions``, ``files`` and ``quiz``.

A challenge folder's ``kind = ...`` picks one; the kind validates its TOML section and turns a
submission into an ``Exchange`` (``challenges.kinds.base``). Modules named ``*_inside`` (and
``inside_kit``) are the sandbox-side halves: they run next to learner code and import only torch
and numpy.
"""
