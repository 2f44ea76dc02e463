"""The relay: wakes whoever follows a grading job when its rows change, in any process.

Jobs record themselves in the database (``storage.jobs``); front ends follow them there. A
follower waits on this relay between reads: a write in this process pokes it at once (the
in-process pool), PostgreSQL's ``NOTIFY tutor_jobs`` wakes it when a worker elsewhere wrote, and
a poll every ``poll_s`` covers everything else (a lost LISTEN connection, SQLite).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg
from sqlalchemy.engine import make_url

from storage.jobs import CHANNEL

log = logging.getLogger(__name__)


class Relay:
    def __init__(self, database_url: str, *, poll_s: float = 2.0) -> None:
        self.database_url = database_url
        self.poll_s = poll_s
        self._events: dict[int, asyncio.Event] = {}
        self._listener: asyncio.Task[None] | None = None
        self.listening = False

    def poke(self, submission_id: int) -> None:
        """Something about the job changed (called from this process's event loop)."""
        event = self._events.get(submission_id)
        if event is not None:
            event.set()

    async def wait(self, submission_id: int) -> None:
        """Until the job changes, or ``poll_s`` passed."""
        event = self._events.setdefault(submission_id, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), self.poll_s)
        event.clear()

    def forget(self, submission_id: int) -> None:
        self._events.pop(submission_id, None)

    def start(self) -> None:
        """Listen for NOTIFY on PostgreSQL (SQLite lives in one process: pokes and polls suffice)."""
        if make_url(self.database_url).get_backend_name() == "postgresql" and self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="tutor-relay-listen")

    async def _listen(self) -> None:
        conninfo = make_url(self.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening = True
                    async for note in conn.notifies():
                        if note.payload.isdigit():
                            self.poke(int(note.payload))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the poll covers the gap; try again shortly
                log.warning("relay: LISTEN %s failed (%s); polling until it is back", CHANNEL, exc)
            self.listening = False
            await asyncio.sleep(self.poll_s)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
