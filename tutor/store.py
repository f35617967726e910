"""SQLite store for sessions, transcripts and quiz progress (stdlib sqlite3).

Every write is its own short transaction, committed before the call returns, so a finished turn
is on disk before the next one starts. One connection is shared by the web server's threads
behind a lock. The schema evolves by numbered migrations tracked in `PRAGMA user_version`.

Stored text is capped: each message's content at MAX_CONTENT_CHARS (64k characters, the tail
replaced by a marker) and its meta JSON at MAX_META_CHARS. The store keeps whatever it is given;
callers must not pass secrets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Self, get_args

from tutor.errors import ConfigError, InputError, LearnerBusyError, TutorError

log = logging.getLogger(__name__)

MAX_CONTENT_CHARS = 65_536
MAX_META_CHARS = 262_144
TRUNCATED_MARK = "\n[... truncated by the tutor's store]"
MEMORY = ":memory:"
LEASE_SECONDS = 15.0  # a turn or learner lease not renewed for this long belongs to no one
LOCK_WAIT_SECONDS = 30.0  # how long a learner's message waits for the one before it
# Tells this process from an earlier one that had the same pid (a restarted container).
PROCESS_MARK = uuid.uuid4().hex[:12]

Role = Literal["user", "assistant", "tool", "notice"]
# "error": the provider failed before a reply could finish (the engine keeps the request).
# "queued": a learner message waiting for its turn (stored at once, so it is never lost).
# "stopped": the learner pressed Stop; "interrupted": the page closed or the process died.
Status = Literal["complete", "in_progress", "interrupted", "cut_off", "error", "queued", "stopped"]
Verdict = Literal["correct", "partial", "incorrect"]

_SESSION_ID = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")

# Append only: never edit a migration that has shipped; add a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: sessions and their transcript
    """
    CREATE TABLE sessions (
        id          TEXT PRIMARY KEY,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        backend     TEXT NOT NULL DEFAULT '',
        guided_step INTEGER NOT NULL DEFAULT 0,
        quiz_state  TEXT
    );
    CREATE TABLE turns (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        role        TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool', 'notice')),
        content     TEXT NOT NULL,
        meta        TEXT NOT NULL DEFAULT '{}',
        status      TEXT NOT NULL
                    CHECK (status IN ('complete', 'in_progress', 'interrupted', 'cut_off',
                                      'error')),
        created_at  TEXT NOT NULL,
        UNIQUE (session_id, seq)
    );
    """,
    # 2: quiz attempts, and a small index for the startup sweep of unfinished turns
    """
    CREATE TABLE quiz_attempts (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        answer      TEXT NOT NULL,
        verdict     TEXT NOT NULL CHECK (verdict IN ('correct', 'partial', 'incorrect')),
        attempt     INTEGER NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE INDEX quiz_attempts_by_session ON quiz_attempts (session_id, id);
    CREATE INDEX turns_in_progress ON turns (status) WHERE status = 'in_progress';
    """,
    # 3: queued and stopped messages; a turn in progress names its process and lease; the
    # per-learner lease table. SQLite cannot alter a CHECK, so the turns table is rebuilt.
    """
    CREATE TABLE turns_new (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        role        TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool', 'notice')),
        content     TEXT NOT NULL,
        meta        TEXT NOT NULL DEFAULT '{}',
        status      TEXT NOT NULL
                    CHECK (status IN ('complete', 'in_progress', 'interrupted', 'cut_off',
                                      'error', 'queued', 'stopped')),
        created_at  TEXT NOT NULL,
        owner       TEXT,
        lease_until REAL,
        UNIQUE (session_id, seq)
    );
    INSERT INTO turns_new (id, session_id, seq, role, content, meta, status, created_at)
        SELECT id, session_id, seq, role, content, meta, status, created_at FROM turns;
    DROP TABLE turns;
    ALTER TABLE turns_new RENAME TO turns;
    CREATE INDEX turns_in_progress ON turns (status) WHERE status = 'in_progress';
    CREATE INDEX turns_queued ON turns (session_id, id) WHERE status = 'queued';
    CREATE TABLE leases (
        session_id  TEXT PRIMARY KEY,
        owner       TEXT NOT NULL,
        token       TEXT NOT NULL,
        expires_at  REAL NOT NULL
    );
    """,
)


@dataclass(frozen=True)
class TurnRecord:
    """One stored message of a transcript."""

    id: int
    seq: int
    role: Role
    content: str
    meta: dict[str, Any] = field(default_factory=dict)
    status: Status = "complete"
    created_at: str = ""


@dataclass(frozen=True)
class Progress:
    """Where a learner is: guided step and quiz state (JSON from `QuizState.model_dump_json`)."""

    session_id: str
    guided_step: int
    quiz_state_json: str | None
    backend: str
    updated_at: str


@dataclass(frozen=True)
class AttemptRecord:
    session_id: str
    question_id: str
    answer: str
    verdict: Verdict
    attempt: int
    created_at: str


@dataclass
class Lease:
    """A held per-learner lock (see `Store.learner_lock`)."""

    session_id: str
    token: str
    owner: str


def machine_name() -> str:
    """This machine as other processes see it: host name plus PID namespace (containers differ)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}{'/' + namespace if namespace else ''}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def owner_alive(owner: str | None, lease_until: float | None, now: float, me: str) -> bool:
    """Whether a turn or lease still belongs to a live process.

    Owners are "<machine>:<pid>:<process mark>". Not alive: no owner (written before owners
    existed), an expired lease, or an owner on this machine whose process is gone, or that had
    this very pid in a previous life (a restarted container) - those need no lease wait.
    """
    if not owner or lease_until is None or lease_until < now:
        return False
    machine, pid, mark = _owner_parts(owner)
    my_machine, my_pid, my_mark = _owner_parts(me)
    if machine != my_machine or not pid.isdigit():
        return True
    if pid == my_pid:
        return mark == my_mark
    return _pid_alive(int(pid))


def _owner_parts(owner: str) -> tuple[str, str, str]:
    parts = owner.rsplit(":", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else (owner, "", "")


def default_db_path() -> Path:
    """Per-user database: $XDG_DATA_HOME/mlops-tutor/tutor.db or ~/.local/share/mlops-tutor/."""
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "mlops-tutor" / "tutor.db"


def migrate(conn: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS) -> int:
    """Apply the migrations the database lacks, each atomically; returns the new version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(migrations):
        raise ConfigError(
            f"The progress database (TUTOR_DB) has schema version {version}, newer than this "
            f"tutor knows ({len(migrations)}). Upgrade the tutor or point TUTOR_DB elsewhere."
        )
    for number in range(version + 1, len(migrations) + 1):
        script = migrations[number - 1]
        try:
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.rollback()
            raise
    return len(migrations)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _cap(text: str, limit: int = MAX_CONTENT_CHARS) -> str:
    """Bound stored text; the marker tells a reader that the tail was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - len(TRUNCATED_MARK)] + TRUNCATED_MARK


def _meta_json(meta: dict[str, Any] | None) -> str:
    text = json.dumps(meta or {}, ensure_ascii=False, default=str)
    if len(text) > MAX_META_CHARS:
        return json.dumps({"truncated": True, "original_chars": len(text)})
    return text


def _check_session_id(session_id: str) -> str:
    if not isinstance(session_id, str) or not _SESSION_ID.match(session_id):
        raise InputError("A session id is 1-128 characters of letters, digits and . _ : @ - only.")
    return session_id


def _check_choice(value: str, allowed: Any, what: str) -> None:
    if value not in get_args(allowed):
        raise InputError(f"Unknown {what} {value!r}; expected one of {get_args(allowed)}.")


def _connect(path: str) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; every write opens its own below.
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    if path != MEMORY:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")  # a committed turn survives power loss too
    return conn


def _open(path: str) -> sqlite3.Connection:
    """Connect and migrate, turning OS and SQLite failures into a ConfigError naming the path."""
    try:
        if path != MEMORY:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(path)
    except (OSError, sqlite3.Error) as exc:
        raise ConfigError(f"Cannot open the progress database {path} (TUTOR_DB): {exc}") from None
    try:
        migrate(conn)
    except (sqlite3.Error, ConfigError) as exc:
        conn.close()
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"Cannot prepare the progress database {path}: {exc}") from None
    return conn


def _turn(row: sqlite3.Row) -> TurnRecord:
    return TurnRecord(
        id=row["id"],
        seq=row["seq"],
        role=row["role"],
        content=row["content"],
        meta=json.loads(row["meta"] or "{}"),
        status=row["status"],
        created_at=row["created_at"],
    )


class Store:
    """Sessions, transcripts and quiz progress in one SQLite file (or ':memory:')."""

    def __init__(
        self, path: str | Path, *, owner: str | None = None, lease_seconds: float = LEASE_SECONDS
    ) -> None:
        self.path = MEMORY if str(path) == MEMORY else str(Path(path).expanduser())
        # Who runs the turns this store begins (see `owner_alive`).
        self.owner = owner or f"{machine_name()}:{os.getpid()}:{PROCESS_MARK}"
        self.lease_seconds = lease_seconds
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = _open(self.path)
        self._live_turns: set[int] = set()  # turns begun here and not finished
        self._held: dict[str, str] = {}  # learner lock token -> session id
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    # ------------------------------------------------------------ plumbing

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the heartbeat and close the connection; safe to call twice."""
        self._stop.set()
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @property
    def version(self) -> int:
        """Schema version (PRAGMA user_version)."""
        return self._read("PRAGMA user_version")[0][0]

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise TutorError("The progress store is closed.")
        return self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed (and so on disk) before the caller continues."""
        with self._lock:
            conn = self._db()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db().execute(sql, params).fetchall()

    # ------------------------------------------------------------ sessions

    def create_session(self, session_id: str | None = None, backend: str = "") -> str:
        """Create a session (a uuid4 hex id when None); an existing id is kept and touched."""
        sid = _check_session_id(session_id) if session_id is not None else uuid.uuid4().hex
        now = _now()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO sessions (id, created_at, updated_at, backend) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at,"
                " backend = CASE WHEN excluded.backend != '' THEN excluded.backend"
                " ELSE sessions.backend END",
                (sid, now, now, backend),
            )
        return sid

    def session_exists(self, session_id: str) -> bool:
        return bool(self._read("SELECT 1 FROM sessions WHERE id = ?", (session_id,)))

    def touch(self, session_id: str) -> bool:
        """Mark the session as used now; False if it does not exist."""
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE sessions SET updated_at = ? WHERE id = ?", (_now(), session_id)
            )
        return cur.rowcount > 0

    def delete_session(self, session_id: str) -> bool:
        """Delete a session and everything stored for it; False if it did not exist."""
        with self._write() as conn:
            conn.execute("DELETE FROM turns WHERE session_id = ?", (session_id,))
            conn.execute("DELETE FROM quiz_attempts WHERE session_id = ?", (session_id,))
            conn.execute("DELETE FROM leases WHERE session_id = ?", (session_id,))
            cur = conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        return cur.rowcount > 0

    # ------------------------------------------------------------ transcript

    def _insert_message(
        self,
        conn: sqlite3.Connection,
        session_id: str,
        role: Role,
        content: str,
        meta: dict[str, Any] | None,
        status: Status,
    ) -> int:
        now = _now()
        cur = conn.execute(
            "INSERT INTO turns (session_id, seq, role, content, meta, status, created_at)"
            " VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE session_id = ?),"
            " ?, ?, ?, ?, ?)",
            (session_id, session_id, role, _cap(content), _meta_json(meta), status, now),
        )
        conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))
        return int(cur.lastrowid or 0)

    def _require_session(self, conn: sqlite3.Connection, session_id: str) -> None:
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
            raise InputError(f"There is no session {session_id!r}; create it first.")

    def add_message(
        self,
        session_id: str,
        role: Role,
        content: str,
        meta: dict[str, Any] | None = None,
        status: Status = "complete",
    ) -> int:
        """Append one message (e.g. a notice or a tool result) to a session; returns its id."""
        _check_choice(role, Role, "role")
        _check_choice(status, Status, "status")
        with self._write() as conn:
            self._require_session(conn, session_id)
            return self._insert_message(conn, session_id, role, content, meta, status)

    def enqueue(self, session_id: str, text: str) -> int:
        """Store a learner message at once as "queued" (waiting for its turn); returns its id."""
        with self._write() as conn:
            self._require_session(conn, session_id)
            return self._insert_message(conn, session_id, "user", text, None, "queued")

    def queued(self, session_id: str) -> list[TurnRecord]:
        """The session's queued messages, oldest first."""
        rows = self._read(
            "SELECT * FROM turns WHERE session_id = ? AND status = 'queued' ORDER BY id",
            (session_id,),
        )
        return [_turn(r) for r in rows]

    def begin_turn(self, session_id: str, user_text: str, queued_id: int | None = None) -> int:
        """Store the learner's message as an in-progress turn owned by this process.

        With `queued_id`, that queued message is promoted instead of inserting a new one: it
        moves to the end of the transcript (a queued message waits behind the running turn's
        reply) and takes `user_text` as its content. Returns the turn id.
        """
        with self._write() as conn:
            self._require_session(conn, session_id)
            if queued_id is None:
                turn_id = self._insert_message(
                    conn, session_id, "user", user_text, None, "in_progress"
                )
            else:
                turn_id = self._promote(conn, session_id, queued_id, user_text)
            conn.execute(
                "UPDATE turns SET owner = ?, lease_until = ? WHERE id = ?",
                (self.owner, time.time() + self.lease_seconds, turn_id),
            )
        self._live_turns.add(turn_id)
        self._start_heartbeat()
        return turn_id

    def _promote(self, conn: sqlite3.Connection, session_id: str, turn_id: int, text: str) -> int:
        cur = conn.execute(
            "UPDATE turns SET status = 'in_progress', content = ?, created_at = ?,"
            " seq = (SELECT MAX(seq) + 1 FROM turns WHERE session_id = ?)"
            " WHERE id = ? AND session_id = ? AND status = 'queued'",
            (_cap(text), _now(), session_id, turn_id, session_id),
        )
        if cur.rowcount != 1:
            raise InputError(f"Message {turn_id} is not queued in session {session_id!r}.")
        return turn_id

    def finish_turn(
        self,
        turn_id: int,
        assistant_text: str,
        events_meta: dict[str, Any] | None = None,
        status: Status = "complete",
    ) -> int:
        """Store the reply (tool calls etc. in `events_meta`) and close the turn with `status`.

        Returns the reply's message id. A turn can be finished once.
        """
        _check_choice(status, Status, "status")
        if status in ("in_progress", "queued"):
            raise InputError(f"A turn cannot finish as {status!r}.")
        with self._write() as conn:
            row = conn.execute(
                "SELECT session_id, status FROM turns WHERE id = ? AND role = 'user'", (turn_id,)
            ).fetchone()
            if row is None or row["status"] != "in_progress":
                raise InputError(f"Turn {turn_id} is not an unfinished turn.")
            conn.execute(
                "UPDATE turns SET status = ?, owner = NULL, lease_until = NULL WHERE id = ?",
                (status, turn_id),
            )
            reply = self._insert_message(
                conn, row["session_id"], "assistant", assistant_text, events_meta, status
            )
        self._live_turns.discard(turn_id)
        return reply

    def mark_interrupted_turns(self) -> int:
        """Mark as interrupted the turns in progress whose process is gone; returns how many.

        Run at startup and by the heartbeat. A turn is gone when its process on this machine
        has exited (or was this pid's previous life), or its lease expired (no process
        renewed it). A live process's turn is never touched.
        """
        with self._write() as conn:
            rows = conn.execute(
                "SELECT id, owner, lease_until FROM turns WHERE status = 'in_progress'"
            ).fetchall()
            now = time.time()
            dead = [
                r["id"]
                for r in rows
                if not owner_alive(r["owner"], r["lease_until"], now, self.owner)
            ]
            for turn_id in dead:
                conn.execute(
                    "UPDATE turns SET status = 'interrupted', owner = NULL, lease_until = NULL"
                    " WHERE id = ?",
                    (turn_id,),
                )
        return len(dead)

    # ------------------------------------------------------------ per-learner lock

    def try_lock(self, session_id: str) -> Lease | None:
        """Take the learner's lock if no live process holds it; None when it is taken."""
        token = uuid.uuid4().hex
        expires = time.time() + self.lease_seconds
        with self._write() as conn:
            row = conn.execute(
                "SELECT owner, token, expires_at FROM leases WHERE session_id = ?", (session_id,)
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO leases (session_id, owner, token, expires_at) VALUES (?, ?, ?, ?)",
                    (session_id, self.owner, token, expires),
                )
            elif not owner_alive(row["owner"], row["expires_at"], time.time(), self.owner):
                conn.execute(
                    "UPDATE leases SET owner = ?, token = ?, expires_at = ?"
                    " WHERE session_id = ? AND token = ?",
                    (self.owner, token, expires, session_id, row["token"]),
                )
            else:
                return None
        self._held[token] = session_id
        self._start_heartbeat()
        return Lease(session_id, token, self.owner)

    def release(self, lease: Lease) -> bool:
        """Give the lock back; False if it had already expired and been taken over."""
        self._held.pop(lease.token, None)
        with self._write() as conn:
            cur = conn.execute(
                "DELETE FROM leases WHERE session_id = ? AND token = ?",
                (lease.session_id, lease.token),
            )
        if cur.rowcount == 0:
            log.warning(
                "The lock of session %s had expired before its turn ended.", lease.session_id
            )
        return cur.rowcount > 0

    @asynccontextmanager
    async def learner_lock(
        self, session_id: str, wait: float | None = None
    ) -> AsyncIterator[Lease]:
        """Hold the learner's lock (across processes) for one turn, waiting up to `wait` s.

        Raises LearnerBusyError when the wait runs out; the caller keeps the message queued.
        The heartbeat renews the lease while it is held, so a long turn keeps it.
        """
        deadline = time.monotonic() + (LOCK_WAIT_SECONDS if wait is None else wait)
        pause = 0.02
        while (lease := self.try_lock(session_id)) is None:
            if time.monotonic() >= deadline:
                raise LearnerBusyError(
                    "Your previous message is still being answered (in another tab or window)."
                    " This one is saved and waits; send it again in a moment."
                )
            await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, 0.5)
        try:
            yield lease
        finally:
            self.release(lease)

    # ------------------------------------------------------------ heartbeat

    def _start_heartbeat(self) -> None:
        with self._lock:
            if self._beat is None and self._conn is not None:
                self._beat = threading.Thread(
                    target=self._heartbeat, name="tutor-store-heartbeat", daemon=True
                )
                self._beat.start()

    def _heartbeat(self) -> None:
        """Renew this process's leases; mark the turns of dead processes interrupted."""
        while not self._stop.wait(self.lease_seconds / 3):
            try:
                self.renew()
                self.mark_interrupted_turns()
            except TutorError:
                return  # the store was closed
            except sqlite3.Error as exc:
                log.warning("Could not renew the store's leases: %s", exc)

    def renew(self) -> None:
        """Extend the leases of this process's turns in progress and held learner locks."""
        until = time.time() + self.lease_seconds
        with self._write() as conn:
            conn.execute(
                "UPDATE turns SET lease_until = ? WHERE owner = ? AND status = 'in_progress'",
                (until, self.owner),
            )
            conn.execute("UPDATE leases SET expires_at = ? WHERE owner = ?", (until, self.owner))

    def transcript(self, session_id: str, last: int | None = None) -> list[TurnRecord]:
        """The session's messages in order (only the `last` N when given); queued ones are
        not part of it yet (see `queued`)."""
        if last is None:
            rows = self._read(
                "SELECT * FROM turns WHERE session_id = ? AND status != 'queued' ORDER BY seq",
                (session_id,),
            )
        else:
            rows = self._read(
                "SELECT * FROM (SELECT * FROM turns WHERE session_id = ? AND status != 'queued'"
                " ORDER BY seq DESC LIMIT ?) ORDER BY seq",
                (session_id, max(0, last)),
            )
        return [_turn(r) for r in rows]

    def message_count(self, session_id: str) -> int:
        """How many transcript messages the session has (cheap: no content is read)."""
        return self._read(
            "SELECT COUNT(*) FROM turns WHERE session_id = ? AND status != 'queued'",
            (session_id,),
        )[0][0]

    def prune_transcript(self, session_id: str, keep_last: int) -> int:
        """Delete all but the newest `keep_last` messages (queued ones stay); returns how many."""
        if keep_last < 0:
            raise InputError("keep_last must be 0 or more.")
        with self._write() as conn:
            cur = conn.execute(
                "DELETE FROM turns WHERE session_id = ? AND status != 'queued' AND seq <= ("
                "SELECT seq FROM turns WHERE session_id = ? AND status != 'queued'"
                " ORDER BY seq DESC LIMIT 1 OFFSET ?)",
                (session_id, session_id, keep_last),
            )
        return cur.rowcount

    # ------------------------------------------------------------ progress and quiz

    def save_progress(self, session_id: str, guided_step: int, quiz_state_json: str) -> None:
        """Save the guided step and quiz state (creating the session if needed)."""
        _check_session_id(session_id)
        if guided_step < 0:
            raise InputError("guided_step must be 0 or more.")
        try:
            json.loads(quiz_state_json)
        except (TypeError, ValueError):
            raise InputError("quiz_state_json must be JSON text.") from None
        now = _now()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO sessions (id, created_at, updated_at, guided_step, quiz_state)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                " updated_at = excluded.updated_at, guided_step = excluded.guided_step,"
                " quiz_state = excluded.quiz_state",
                (session_id, now, now, guided_step, quiz_state_json),
            )

    def load_progress(self, session_id: str) -> Progress | None:
        rows = self._read("SELECT * FROM sessions WHERE id = ?", (session_id,))
        if not rows:
            return None
        row = rows[0]
        return Progress(
            session_id=row["id"],
            guided_step=row["guided_step"],
            quiz_state_json=row["quiz_state"],
            backend=row["backend"],
            updated_at=row["updated_at"],
        )

    def record_attempt(
        self, session_id: str, question_id: str, answer: str, verdict: Verdict, attempt: int
    ) -> int:
        """Log one graded answer; returns its row id."""
        _check_choice(verdict, Verdict, "verdict")
        with self._write() as conn:
            self._require_session(conn, session_id)
            cur = conn.execute(
                "INSERT INTO quiz_attempts"
                " (session_id, question_id, answer, verdict, attempt, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, question_id, _cap(answer), verdict, attempt, _now()),
            )
        return int(cur.lastrowid or 0)

    def attempts(self, session_id: str) -> list[AttemptRecord]:
        rows = self._read(
            "SELECT * FROM quiz_attempts WHERE session_id = ? ORDER BY id", (session_id,)
        )
        return [
            AttemptRecord(
                session_id=r["session_id"],
                question_id=r["question_id"],
                answer=r["answer"],
                verdict=r["verdict"],
                attempt=r["attempt"],
                created_at=r["created_at"],
            )
            for r in rows
        ]
