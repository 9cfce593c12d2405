"""Database work on a second connection, in a thread, while the import's own connection goes on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections


class Apart[T]:
    """Run `work(database)` on a connection of its own; `result()` waits for it and returns it.

    Inside a transaction of the caller (tests wrap each one in a transaction) a second connection
    cannot see the tables and rows written on this one: there the work runs at once, on this
    connection.
    """

    def __init__(self, work: Callable[[Any], T], *, name: str) -> None:
        self.work = work
        self.thread: threading.Thread | None = None
        self.outcome: tuple[str, Any] = ("", None)
        if connection.in_atomic_block:
            try:
                self.outcome = ("value", work(connection))
            except Exception as error:  # raised by result(), as from the thread
                self.outcome = ("error", error)
            return
        self.thread = threading.Thread(target=self._run, daemon=True, name=name)
        self.thread.start()

    def _run(self) -> None:
        other = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            self.outcome = ("value", self.work(other))
        except BaseException as error:  # raised in the caller's thread by result()
            self.outcome = ("error", error)
        finally:
            other.close()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def result(self) -> T:
        self.wait()
        kind, value = self.outcome
        if kind == "error":
            raise value
        return value
