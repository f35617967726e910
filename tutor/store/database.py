"""Where the progress store lives, as a SQLAlchemy engine: a SQLite file or a PostgreSQL URL.

`TUTOR_DB` is either a path (the embedded default) or `postgresql://user:password@host:port/db`.
The password never leaves this module in text: `Target.shown` and every error message hide it.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from tutor.errors import ConfigError

MEMORY = ":memory:"
POSTGRES_SCHEMES = frozenset({"postgresql", "postgres", "postgresql+psycopg"})
SQLITE_BUSY_SECONDS = 10  # another process holds the write lock: wait this long, then fail


@dataclass(frozen=True)
class Target:
    """A parsed TUTOR_DB: what kind of database, how to reach it, how to name it safely."""

    kind: Literal["sqlite", "postgresql"]
    url: URL
    shown: str  # for logs and pages: the password is masked
    secret: str | None = None  # the password, only to scrub it from driver messages

    @property
    def memory(self) -> bool:
        return self.kind == "sqlite" and self.url.database in (None, "", MEMORY)

    def scrub(self, text: str) -> str:
        """A driver message with the password (if any) masked."""
        return text.replace(self.secret, "***") if self.secret else text

    def __repr__(self) -> str:
        return f"Target({self.shown!r})"


def parse_target(value: str | Path) -> Target:
    """A SQLite path, ':memory:' or a postgresql:// URL; anything else is a ConfigError."""
    text = str(value).strip()
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in POSTGRES_SCHEMES:
        return _postgres(text)
    if scheme:
        raise ConfigError(
            f"TUTOR_DB must be a SQLite file path or a postgresql:// URL, not a {scheme}:// URL."
        )
    if text == MEMORY:
        return Target("sqlite", URL.create("sqlite+pysqlite", database=MEMORY), MEMORY)
    path = str(Path(text).expanduser())
    return Target("sqlite", URL.create("sqlite+pysqlite", database=path), path)


def _postgres(text: str) -> Target:
    try:
        given = make_url(text)
        url = given.set(drivername="postgresql+psycopg")
    except (ArgumentError, ValueError):
        raise ConfigError(
            "TUTOR_DB is not a valid PostgreSQL URL; expected "
            "postgresql://user:password@host:port/database (percent-encode @ : / in the password)."
        ) from None
    if not url.database or not url.host:
        raise ConfigError("TUTOR_DB needs a host and a database: postgresql://user:pw@host:5432/db")
    shown = given.render_as_string(hide_password=True)
    return Target("postgresql", url, shown, str(url.password) if url.password else None)


def open_engine(target: Target, *, pool_size: int = 5, max_overflow: int = 5) -> Engine:
    """An engine for the target; SQLite gets one shared connection (the store locks it)."""
    if target.kind == "postgresql":
        return create_engine(
            target.url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=True,  # a restarted server must not cost a learner's turn
            pool_timeout=SQLITE_BUSY_SECONDS,
            connect_args={"connect_timeout": 10, "application_name": "mlops-tutor"},
        )
    engine = create_engine(
        target.url,
        poolclass=StaticPool,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS},
    )
    _sqlite_transactions(engine, on_disk=not target.memory)
    return engine


def _sqlite_transactions(engine: Engine, *, on_disk: bool) -> None:
    """Real transactions on SQLite (DDL included): the driver's own BEGIN handling is off and
    each transaction begins explicitly; writes take the lock up front (BEGIN IMMEDIATE)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if on_disk:
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous = FULL")  # a committed turn survives power loss
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        write = conn.get_execution_options().get("tutor_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL, waiting for processes that open it at the same moment.

    SQLite answers `PRAGMA journal_mode = WAL` with "database is locked" at once, without its
    busy timeout, while another connection is switching; so wait here, up to the same bound."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
