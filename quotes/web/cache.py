"""Answers the server has already made, kept while the database stays as it was.

A search page costs tens of milliseconds of CPU (the search, the citations, the template) and a
newsroom asks the same searches again and again (a name in the news, the word of the day). The
server keeps the last answers it made, keyed on what was asked and on the database's version: on
SQLite, `PRAGMA data_version` read on a connection of the cache's own that never writes, whose
value changes whenever any other connection (an ingest, a correction from `quotes correct` or
from this server's edit forms) commits. An answer made at one version is never given at another.

Only SQLite files have such a version; over PostgreSQL or an in-memory database the cache keeps
nothing and every request is answered afresh.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# Search answers a server process keeps (`quotes serve --search-cache`).
CACHE_SIZE = 512


@dataclass(frozen=True)
class Answer:
    """A finished response: its body and how to send it."""

    body: bytes
    media_type: str
    status: int = 200


class DataVersion:
    """The version of a SQLite file as `PRAGMA data_version` gives it on one reading connection."""

    def __init__(self, path: Path) -> None:
        # Read-only, shared between the event loop and the worker threads under a lock.
        self._con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            row = self._con.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._con.close()


def data_version(engine: Engine) -> DataVersion | None:
    """The version reader of the engine's database, or None where it has none (PostgreSQL, memory)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return DataVersion(Path(url.database))


class AnswerCache:
    """The `size` answers last made at the database's current version, least recently used out
    first. A version other than the last one seen empties the cache: what was kept is of another
    state of the database. An answer computed at a version that is no longer the last seen is
    not kept.

    Thread-safe: answers are looked up on the event loop and stored from worker threads."""

    def __init__(self, version: DataVersion, size: int) -> None:
        self.version = version
        self.size = size
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._seen: int | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, version: int, key: Hashable) -> Answer | None:
        with self._lock:
            if version != self._seen:
                self._answers.clear()
                self._seen = version
            answer = self._answers.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._answers.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, version: int, key: Hashable, answer: Answer) -> None:
        with self._lock:
            if version != self._seen:
                return
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def __len__(self) -> int:
        return len(self._answers)

    def close(self) -> None:
        self.version.close()
