"""Rate-limit counters that every worker process of one machine shares, without Redis: a small SQLite file of
their own (never the app's database, whose single write lock the door needs). Counters kept in each process's
memory would let `gunicorn -w 4` allow four times every limit. Several machines share Redis instead
(MEETUPS_REDIS_URL). Flask-Limiter finds this store by its URI scheme, `meetups+sqlite:///<path>`."""

from __future__ import annotations

import os
import sqlite3
import threading
import time

from limits.storage import Storage

SCHEME = "meetups+sqlite"
#: expired counters are swept now and then, not on every request
SWEEP_EVERY = 500


class SqliteFileStorage(Storage):
    """Fixed-window counters (Flask-Limiter's default strategy): one row per key, counted up atomically by one
    UPSERT, so two workers counting at once never lose a hit."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = uri.split("://", 1)[1]
        self._local = threading.local()
        self._hits = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread and process: gunicorn forks after the app is built, and a connection
        must never cross a fork."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS counters "
                "(key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID"
            )
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        (count,) = connection.execute(
            "INSERT INTO counters (key, count, expires_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (key) DO UPDATE SET "
            "count = CASE WHEN expires_at <= ?4 THEN ?2 ELSE count + ?2 END, "
            "expires_at = CASE WHEN expires_at <= ?4 THEN ?3 ELSE expires_at END "
            "RETURNING count",
            (key, amount, now + expiry, now),
        ).fetchone()
        self._hits += 1
        if self._hits % SWEEP_EVERY == 0:
            connection.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        return count

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute("SELECT count FROM counters WHERE key = ? AND expires_at > ?", (key, time.time()))
            .fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute("SELECT expires_at FROM counters WHERE key = ?", (key,)).fetchone()
        return row[0] if row and row[0] > time.time() else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))
