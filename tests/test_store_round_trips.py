"""Store round trips per learner message, counted with SQLAlchemy engine events, pinned to a
documented budget (README, "Store round trips") so they cannot grow silently.

The floor: the learner's message is committed before the model is asked (it must survive a
crash mid-answer), and the reply with its progress after; in between, the cross-process lock
and the promotion of the queued message. Reads are single statements (autocommit on
PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event

from tutor.runtime import build_runtime
from tutor.store import Store
from tutor.web.app import TutorApp

#: statements (BEGIN aside) and committed transactions, per learner message
WEB_BUDGET = (15, 5)  # through the page's lane: queue, lock, answer, release
SESSION_BUDGET = (9, 2)  # TutorSession.send alone: begin the turn, finish it with progress


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    commits: int = 0


@contextmanager
def counting(store: Store) -> Iterator[Counted]:
    """What this thread sends to the store (the heartbeat thread's renewals are not a
    message's)."""
    me, got = threading.get_ident(), Counted()
    engine = store._engine

    def statement(conn, cursor, text, *args) -> None:
        if threading.get_ident() == me and not text.startswith("BEGIN"):
            got.statements.append(text)

    def commit(conn) -> None:
        if threading.get_ident() == me:
            got.commits += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield got
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


async def chat(app: TutorApp, message: str, sid: str | None) -> str | None:
    """One message through the page's API; the learner's session id."""
    async for _text, session_id in app.api_chat(message, sid):
        sid = session_id
    return sid


async def test_a_message_through_the_web_lane_stays_within_its_budget() -> None:
    runtime = build_runtime()
    app = TutorApp(runtime, offline_pace=0.0)
    sid = await chat(app, "hello", None)  # the session is created
    for message in ("Who gets paged at 3am?", "What is a data contract?"):
        with counting(runtime.store) as got:
            await chat(app, message, sid)
        assert len(got.statements) <= WEB_BUDGET[0], got.statements
        assert got.commits <= WEB_BUDGET[1]
        assert got.commits >= 2  # the message before the answer, the reply after it
    await runtime.aclose()


async def test_a_message_through_the_session_stays_within_its_budget() -> None:
    runtime = build_runtime()
    session = runtime.session()
    async for _event in session.send("hello"):
        pass
    with counting(runtime.store) as got:
        async for _event in session.send("Who gets paged at 3am?"):
            pass
    assert len(got.statements) <= SESSION_BUDGET[0], got.statements
    assert got.commits <= SESSION_BUDGET[1]
    # The reply and its progress are one transaction.
    assert sum("INTO sessions" in s for s in got.statements) == 1
    await runtime.aclose()
