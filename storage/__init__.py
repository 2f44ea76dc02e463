"""Persistence for torch-tutor: sqlmodel tables, async repository functions, Alembic migrations.

Typical use::

    from storage import create_engine, session_factory, upgrade, repository as repo

    await upgrade(url)                      # migrations to head
    factory = session_factory(create_engine(url))
    async with factory.begin() as session:  # commits on success
        user = await repo.get_or_create_user(session, "console:alice", "alice")
"""

from storage import repository
from storage.engine import (
    create_engine,
    downgrade,
    session_factory,
    upgrade,
    upgrade_sync,
)
from storage.errors import Conflict, ImmutableRow, InvalidValue, NotFound, StorageError

__all__ = [
    "Conflict",
    "ImmutableRow",
    "InvalidValue",
    "NotFound",
    "StorageError",
    "create_engine",
    "downgrade",
    "repository",
    "session_factory",
    "upgrade",
    "upgrade_sync",
]
