"""A second connection that copies what it is handed, in order, while this one goes on.

PostgreSQL's work on a COPY is the longest step of loading a file: with every other chunk copied
on a connection of its own, it runs on two cores.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

Copy = Callable[[BaseDatabaseWrapper, str, memoryview], None]  # (connection, table, COPY data)


class CopyHelper:
    """A thread with a connection of its own that runs `copy` for each (table, body) put to it."""

    def __init__(self, copy: Copy) -> None:
        self.copy = copy
        self.box: queue.Queue[tuple[str, memoryview] | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True, name="intake-copy")
        self.thread.start()

    def put(self, table: str, body: memoryview) -> None:
        if self.error is not None:
            raise self.error
        self.box.put((table, body))

    def finish(self, *, check: bool = True) -> None:
        """Wait for what was put; raise what went wrong on the connection (unless not `check`)."""
        if self.thread.is_alive():
            self.box.put(None)
            self.thread.join()
        if check and self.error is not None:
            raise self.error

    def _run(self) -> None:
        other: BaseDatabaseWrapper | None = None
        try:
            other = connections.create_connection(DEFAULT_DB_ALIAS)  # a connection belongs to its thread
            with other.cursor() as cursor:
                cursor.execute("SET synchronous_commit = off")  # see staging.commits_without_waiting
        except BaseException as error:
            self.error = error
        # After an error it keeps taking bodies (and drops them), so put() never blocks for ever.
        while (item := self.box.get()) is not None:
            if self.error is None and other is not None:
                try:
                    self.copy(other, *item)
                except BaseException as error:
                    self.error = error
        if other is not None:
            other.close()
