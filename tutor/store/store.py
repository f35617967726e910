"""The progress store: sessions, transcripts, quiz progress, and the leases that let several
tutor processes share one database (SQLite file or PostgreSQL) without two of them running
one learner's turns at once.

Every write is its own short transaction, committed before the call returns, so a finished turn
is in the database before the next one starts. The store keeps whatever it is given, capped
(see records.py); callers must not pass secrets.

Why one module of over 400 lines: `Store` is the store's whole public interface (sessions,
transcript and queue, progress, leases), one short method per operation; its SQL is in
queries.py, its schema in migrations.py and its connection handling in database.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Connection, Engine, TextClause
from sqlalchemy.exc import SQLAlchemyError

from tutor.errors import ConfigError, InputError, LearnerBusyError, TutorError
from tutor.store import queries as q
from tutor.store.database import Target, open_engine, parse_target
from tutor.store.migrations import migrate, schema_version
from tutor.store.ownership import owner_alive, this_process
from tutor.store.records import (
    AttemptRecord,
    DeclinedQuestion,
    Lease,
    MessageRecord,
    Progress,
    Role,
    Status,
    Verdict,
    attempt_record,
    cap,
    check_choice,
    check_session_id,
    declined_record,
    message_record,
    meta_json,
    now_text,
    progress_record,
    question_key,
    rewrite_strings,
    today_text,
)

log = logging.getLogger(__name__)

LEASE_SECONDS = 15.0  # a turn or learner lease not renewed for this long belongs to no one
BUSY_MESSAGE = (
    "Your previous message is still being answered (in another tab or window). This one is "
    "saved and waits; send it again in a moment."
)


def _open(target: Target, pool_size: int) -> Engine:
    """Connect and migrate, turning driver failures into a ConfigError naming the database."""
    try:
        if target.kind == "sqlite" and not target.memory:
            Path(str(target.url.database)).parent.mkdir(parents=True, exist_ok=True)
        engine = open_engine(target, pool_size=pool_size)
        migrate(engine)
    except ConfigError:
        raise
    except (OSError, SQLAlchemyError) as exc:
        detail = target.scrub(str(getattr(exc, "orig", None) or exc)).strip()
        raise ConfigError(
            f"Cannot open the progress database {target.shown} (TUTOR_DB): {detail}"
        ) from None
    return engine


class Store:
    """Sessions, transcripts and quiz progress in SQLite (a file or ':memory:') or PostgreSQL."""

    def __init__(
        self,
        target: str | Path,
        *,
        owner: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        pool_size: int = 5,
    ) -> None:
        self.target = parse_target(target)
        self.path = self.target.shown  # where it is, safe to show (no password)
        self.kind = self.target.kind
        self.owner = owner or this_process()  # who runs the turns this store begins
        self.lease_seconds = lease_seconds
        # SQLite: one connection shared by threads; PostgreSQL: a pool, no lock needed.
        self._lock: Any = threading.RLock() if self.kind == "sqlite" else nullcontext()
        self._engine: Engine | None = _open(self.target, pool_size)
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"Store({self.path!r})"

    # ------------------------------------------------------------ plumbing

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the heartbeat and close the database; safe to call twice."""
        self._stop.set()
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    @property
    def version(self) -> int:
        """Schema version (see migrations.py)."""
        with self._connect() as conn:
            return schema_version(conn)

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[Connection]:
        with self._lock:
            if self._engine is None:
                raise TutorError("The progress store is closed.")
            options: dict[str, Any] = {"tutor_write": write}
            if not write and self.kind == "postgresql":
                # A read is one statement: no BEGIN and ROLLBACK round trips around it.
                options["isolation_level"] = "AUTOCOMMIT"
            with self._engine.connect().execution_options(**options) as conn:
                yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One transaction, committed (and so durable) before the caller continues."""
        with self._connect(write=True) as conn, conn.begin():
            yield conn

    def _read(self, statement: TextClause, **params: Any) -> list[Any]:
        with self._connect() as conn:
            return list(conn.execute(statement, params).all())

    def _lease_until(self) -> float:
        return time.time() + self.lease_seconds

    # ------------------------------------------------------------ sessions

    def create_session(self, session_id: str | None = None, backend: str = "") -> str:
        """Create a session (a uuid4 hex id when None); an existing id is kept and touched."""
        sid = check_session_id(session_id) if session_id is not None else uuid.uuid4().hex
        with self._write() as conn:
            conn.execute(q.CREATE_SESSION, {"id": sid, "now": now_text(), "backend": backend})
        return sid

    def session_exists(self, session_id: str) -> bool:
        return bool(self._read(q.SESSION_EXISTS, id=session_id))

    def touch(self, session_id: str) -> bool:
        """Mark the session as used now; False if it does not exist."""
        with self._write() as conn:
            cur = conn.execute(q.TOUCH, {"id": session_id, "now": now_text()})
        return cur.rowcount > 0

    def delete_session(self, session_id: str) -> bool:
        """Delete a session and everything stored for it; False if it did not exist."""
        with self._write() as conn:
            for statement in q.DELETE_SESSION:
                cur = conn.execute(statement, {"id": session_id})
        return cur.rowcount > 0

    def revision(self, session_id: str) -> int | None:
        """A counter that grows with every write to the session's transcript, progress or
        attempts (by any process; queuing a message does not count); a process compares it
        with the one its cached session saw to know the copy is stale. None if no session."""
        rows = self._read(q.REVISION, id=session_id)
        return int(rows[0][0]) if rows else None

    # ------------------------------------------------------------ transcript

    def _claim(self, conn: Connection, session_id: str, *, bump: bool = True) -> None:
        """The session must exist; it is marked changed and (PostgreSQL) locked until commit."""
        claim = q.CLAIM if bump else q.CLAIM_QUIETLY
        if conn.execute(claim, {"id": session_id, "now": now_text()}).rowcount == 0:
            raise InputError(f"There is no session {session_id!r}; create it first.")

    def _insert_message(
        self,
        conn: Connection,
        session_id: str,
        role: Role,
        content: str,
        meta: dict[str, Any] | None,
        status: Status,
    ) -> int:
        self._claim(conn, session_id, bump=status != "queued")
        running = status == "in_progress"
        params = {
            "sid": session_id,
            "role": role,
            "content": cap(content),
            "meta": meta_json(meta),
            "status": status,
            "now": now_text(),
            "owner": self.owner if running else None,
            "lease": self._lease_until() if running else None,
        }
        return int(conn.execute(q.INSERT_TURN, params).scalar_one())

    def enqueue(self, session_id: str, text: str) -> int:
        """Store a learner message at once as "queued" (waiting for its turn); returns its id."""
        with self._write() as conn:
            return self._insert_message(conn, session_id, "user", text, None, "queued")

    def queued(self, session_id: str) -> list[MessageRecord]:
        """The session's queued messages, oldest first."""
        return [message_record(r) for r in self._read(q.QUEUED, sid=session_id)]

    def begin_turn(self, session_id: str, user_text: str, queued_id: int | None = None) -> int:
        """Store the learner's message as an in-progress turn owned by this process.

        With `queued_id`, that queued message is promoted instead of inserting a new one: it
        moves to the end of the transcript (a queued message waits behind the running turn's
        reply) and takes `user_text` as its content. Returns the turn id.
        """
        with self._write() as conn:
            if queued_id is None:
                turn_id = self._insert_message(
                    conn, session_id, "user", user_text, None, "in_progress"
                )
            else:
                turn_id = self._promote(conn, session_id, queued_id, user_text)
        self._start_heartbeat()
        return turn_id

    def _promote(self, conn: Connection, session_id: str, turn_id: int, text: str) -> int:
        self._claim(conn, session_id)
        params = {
            "id": turn_id,
            "sid": session_id,
            "content": cap(text),
            "now": now_text(),
            "owner": self.owner,
            "lease": self._lease_until(),
        }
        if conn.execute(q.PROMOTE, params).rowcount != 1:
            raise InputError(f"Message {turn_id} is not queued in session {session_id!r}.")
        return turn_id

    def finish_turn(
        self,
        turn_id: int,
        assistant_text: str,
        events_meta: dict[str, Any] | None = None,
        status: Status = "complete",
        progress: tuple[int, str, str | None] | None = None,
    ) -> int:
        """Store the reply (tool calls etc. in `events_meta`) and close the turn with `status`;
        with `progress` ((guided_step, quiz_state_json, dialogue_json), as `save_progress`
        takes them), the progress too, in the same transaction (one commit, not two).

        Returns the reply's message id. A turn can be finished once.
        """
        check_choice(status, Status, "status")
        if status in ("in_progress", "queued"):
            raise InputError(f"A turn cannot finish as {status!r}.")
        with self._write() as conn:
            row = conn.execute(q.TURN_STATE, {"id": turn_id}).first()
            if row is None or row.status != "in_progress":
                raise InputError(f"Turn {turn_id} is not an unfinished turn.")
            conn.execute(q.CLOSE_TURN, {"id": turn_id, "status": status})
            reply_id = self._insert_message(
                conn, row.session_id, "assistant", assistant_text, events_meta, status
            )
            if progress is not None:
                conn.execute(q.SAVE_PROGRESS, progress_params(row.session_id, *progress))
            return reply_id

    def transcript(self, session_id: str, last: int | None = None) -> list[MessageRecord]:
        """The session's messages in order (only the `last` N when given); queued ones are
        not part of it yet (see `queued`)."""
        if last is None:
            rows = self._read(q.TRANSCRIPT, sid=session_id)
        else:
            rows = self._read(q.TRANSCRIPT_LAST, sid=session_id, n=max(0, last))
        return [message_record(r) for r in rows]

    def rewrite_transcript(self, session_id: str, rewrite: Callable[[str], str]) -> int:
        """Apply `rewrite` to every stored message's text and meta (what a learner asked to be
        forgotten goes from the transcript too); returns how many messages changed."""
        changed = 0
        with self._write() as conn:
            self._claim(conn, session_id)  # another process reloads the rewritten transcript
            rows = conn.execute(q.TRANSCRIPT, {"sid": session_id}).all()
            for record in map(message_record, rows):
                content = rewrite(record.content)
                meta = rewrite_strings(record.meta, rewrite)
                if content != record.content or meta != record.meta:
                    params = {"id": record.id, "content": content, "meta": meta_json(meta)}
                    conn.execute(q.REWRITE, params)
                    changed += 1
        return changed

    def message_count(self, session_id: str) -> int:
        """How many transcript messages the session has (cheap: no content is read)."""
        return int(self._read(q.MESSAGE_COUNT, sid=session_id)[0][0])

    def prune_transcript(self, session_id: str, keep_last: int) -> int:
        """Delete all but the newest `keep_last` messages (queued ones stay); returns how many."""
        if keep_last < 0:
            raise InputError("keep_last must be 0 or more.")
        with self._write() as conn:
            cur = conn.execute(q.PRUNE, {"sid": session_id, "keep": keep_last})
        return cur.rowcount

    # ------------------------------------------------------------ progress and quiz

    def save_progress(
        self,
        session_id: str,
        guided_step: int,
        quiz_state_json: str,
        dialogue_json: str | None = None,
    ) -> None:
        """Save the guided step, quiz state and dialogue state (creating the session if
        needed)."""
        params = progress_params(session_id, guided_step, quiz_state_json, dialogue_json)
        with self._write() as conn:
            conn.execute(q.SAVE_PROGRESS, params)

    def load_progress(self, session_id: str) -> Progress | None:
        rows = self._read(q.LOAD_PROGRESS, id=session_id)
        return progress_record(rows[0]) if rows else None

    def record_attempt(
        self, session_id: str, question_id: str, answer: str, verdict: Verdict, attempt: int
    ) -> int:
        """Log one graded answer; returns its row id."""
        check_choice(verdict, Verdict, "verdict")
        params = {
            "sid": session_id,
            "question": question_id,
            "answer": cap(answer),
            "verdict": verdict,
            "attempt": attempt,
            "now": now_text(),
        }
        with self._write() as conn:
            self._claim(conn, session_id)
            new_id = conn.execute(q.INSERT_ATTEMPT, params).scalar_one()
        return int(new_id)

    def attempts(self, session_id: str) -> list[AttemptRecord]:
        return [attempt_record(r) for r in self._read(q.ATTEMPTS, sid=session_id)]

    # ------------------------------------------------------------ declined questions

    def record_decline(self, question: str) -> None:
        """Count a question the offline tutor declined (for the course's authors). Only the
        question's normalised words and the day are kept: callers pass no learner identity
        and should mask names first."""
        key = question_key(question)
        if key:
            with self._write() as conn:
                conn.execute(q.RECORD_DECLINE, {"question": key, "day": today_text()})

    def declined_questions(self, limit: int = 50) -> list[DeclinedQuestion]:
        """The declined questions, most often asked first."""
        return [declined_record(r) for r in self._read(q.DECLINED, n=max(0, limit))]

    # ------------------------------------------------------------ processes and leases

    def mark_interrupted_turns(self, session_id: str | None = None) -> int:
        """Mark as interrupted the turns in progress whose process is gone; returns how many.

        Run at startup and by the heartbeat. A turn is gone when its process on this machine
        has exited (or was this pid's previous life), or its lease expired (no process renewed
        it). A live process's turn is never touched: the update only applies if the lease is
        still the one that was read (a renewal in between wins). With `session_id`, only
        that learner's turns are looked at.
        """
        now = time.time()
        with self._write() as conn:
            if session_id is None:
                rows = conn.execute(q.IN_PROGRESS).all()
            else:
                rows = conn.execute(q.IN_PROGRESS_OF, {"sid": session_id}).all()
            marked = 0
            for row in rows:
                if owner_alive(row.owner, row.lease_until, now, self.owner):
                    continue
                if row.lease_until is None:
                    cur = conn.execute(q.INTERRUPT_UNLEASED, {"id": row.id})
                else:
                    cur = conn.execute(q.INTERRUPT, {"id": row.id, "lease": row.lease_until})
                marked += cur.rowcount
        return marked

    def try_lock(self, session_id: str) -> Lease | None:
        """Take the learner's lock if no live process holds it; None when it is taken."""
        lease = Lease(session_id, uuid.uuid4().hex, self.owner)
        params = {"sid": session_id, "owner": lease.owner, "token": lease.token}
        held = None
        with self._write() as conn:
            params["until"] = self._lease_until()
            got = conn.execute(q.NEW_LEASE, params).rowcount  # the usual case: nobody holds it
            if not got:
                held = conn.execute(q.GET_LEASE, {"sid": session_id}).first()
            if held is not None and not owner_alive(
                held.owner, held.expires_at, time.time(), self.owner
            ):
                got = conn.execute(q.TAKE_LEASE, {**params, "old": held.token}).rowcount
        if not got:
            return None
        self._start_heartbeat()
        if held is not None:
            # Its holder died without giving it back, maybe mid-turn: that turn is over.
            self.mark_interrupted_turns(session_id)
        return lease

    def release(self, lease: Lease) -> bool:
        """Give the lock back; False if it had expired and been taken over meanwhile."""
        with self._write() as conn:
            params = {"sid": lease.session_id, "token": lease.token}
            gone = conn.execute(q.RELEASE_LEASE, params).rowcount
        if not gone:
            log.warning("The lock of session %s expired before its turn ended.", lease.session_id)
        return bool(gone)

    @asynccontextmanager
    async def learner_lock(self, session_id: str, wait: float) -> AsyncIterator[Lease]:
        """Hold the learner's lock (across processes) for one turn, waiting up to `wait` s
        (the web app passes TUTOR_QUEUE_WAIT).

        Raises LearnerBusyError when the wait runs out; the caller keeps the message queued.
        The heartbeat renews the lease while it is held, so a long turn keeps it.
        """
        deadline = time.monotonic() + wait
        pause = 0.02
        while (lease := self.try_lock(session_id)) is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LearnerBusyError(BUSY_MESSAGE)
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, 0.5)
        try:
            yield lease
        finally:
            self.release(lease)

    def renew(self) -> None:
        """Extend the leases of this process's turns in progress and held learner locks."""
        params = {"until": self._lease_until(), "owner": self.owner}
        with self._write() as conn:
            conn.execute(q.RENEW_TURNS, params)
            conn.execute(q.RENEW_LEASES, params)

    def start_heartbeat(self) -> None:
        """Renew leases and sweep dead processes' turns from now on (a server calls this at
        start; the store also starts it by itself when it first takes a lease)."""
        self._start_heartbeat()

    def _start_heartbeat(self) -> None:
        with self._lock:
            if self._beat is None and not self._stop.is_set():
                self._beat = threading.Thread(
                    target=self._heartbeat, name="tutor-store-heartbeat", daemon=True
                )
                self._beat.start()

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.lease_seconds / 3):
            try:
                self.renew()
                self.mark_interrupted_turns()
            except TutorError:
                return  # the store was closed
            except SQLAlchemyError as exc:
                # The database is unreachable for now: say so and keep trying.
                log.warning("The store could not renew its leases: %s", self.target.scrub(str(exc)))


def progress_params(
    session_id: str, guided_step: int, quiz_state_json: str, dialogue_json: str | None
) -> dict[str, Any]:
    """SAVE_PROGRESS's parameters, checked."""
    check_session_id(session_id)
    if guided_step < 0:
        raise InputError("guided_step must be 0 or more.")
    _check_json("quiz_state_json", quiz_state_json)
    if dialogue_json is not None:
        _check_json("dialogue_json", dialogue_json)
    return {
        "id": session_id,
        "now": now_text(),
        "step": guided_step,
        "quiz": quiz_state_json,
        "dialogue": dialogue_json,
    }


def _check_json(name: str, text: str) -> None:
    try:
        json.loads(text)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be JSON text.") from None
