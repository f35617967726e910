"""Bounded resources: history in memory, transcript in the store, live sessions in a server."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from support.fake_openai import FakeOpenAI

from tutor.backends.offline import OfflineBackend
from tutor.backends.openai_compat import OpenAICompatBackend
from tutor.engine import Limits, TutorSession
from tutor.engine.events import Event
from tutor.store import Store
from tutor.web.queue import SessionRegistry


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "res.db") as db:
        yield db


def model_session(fake: FakeOpenAI, store: Store | None = None, **limits: int) -> TutorSession:
    backend = OpenAICompatBackend(model="m", api_key="k", base_url=fake.base_url, max_retries=0)
    return TutorSession(backend, store=store, limits=Limits(**limits))


async def run(session: TutorSession, text: str) -> list[Event]:
    return [event async for event in session.send(text)]


async def test_history_in_memory_is_capped_at_whole_turns(fake: FakeOpenAI) -> None:
    session = model_session(fake, max_history_messages=10, history_turns=4)
    for i in range(20):
        await run(session, f"message {i}")
        assert len(session.history) <= 10
        assert isinstance(session.history[0], HumanMessage)  # never half a turn
    assert session.history[-2].text == "message 19"
    assert session.conversation.trimmed_turns >= 14


async def test_the_cap_changes_memory_not_what_the_model_sees(fake: FakeOpenAI) -> None:
    """Turns leave memory in the window's own blocks, so every request is unchanged."""
    capped = model_session(fake, max_history_messages=10, history_turns=4)
    for i in range(15):
        await run(capped, f"message {i}")
    sent_capped = fake.requests[:]
    fake.requests.clear()
    roomy = model_session(fake, history_turns=4)
    for i in range(15):
        await run(roomy, f"message {i}")
    assert fake.requests == sent_capped
    # said once, in the note of the turn the window moved at, which the model still reads
    learner = [m["content"] for m in sent_capped[-1]["messages"] if m["role"] == "user"]
    assert any("earlier turns are not shown" in text for text in learner)


async def test_stored_transcript_is_pruned_to_whole_turns(fake: FakeOpenAI, store: Store) -> None:
    session = model_session(fake, store, max_stored_messages=7)
    for i in range(10):
        await run(session, f"message {i}")
    rows = store.transcript(session.id)
    assert len(rows) <= 7 and rows[0].role == "user"
    assert rows[-2].content == "message 9"
    assert rows[-1].meta["model_text"] == "You said: message 9"  # the echoing fake's words
    assert all(r.status == "complete" for r in rows)


async def test_a_resumed_session_counts_what_is_stored_and_prunes_at_once(
    fake: FakeOpenAI, store: Store
) -> None:
    """The count is read only when the session's own count passes the cap: a resumed one
    starts from what it loaded, so a transcript already past a lower cap is pruned next turn."""
    session = model_session(fake, store)
    for i in range(6):
        await run(session, f"message {i}")
    assert len(store.transcript(session.id)) == 12
    backend = OpenAICompatBackend(model="m", api_key="k", base_url=fake.base_url)
    limits = Limits(max_stored_messages=7)
    resumed = TutorSession(backend, store=store, session_id=session.id, limits=limits)
    await run(resumed, "message 6")
    rows = store.transcript(session.id)
    assert len(rows) <= 7 and rows[0].role == "user" and rows[-2].content == "message 6"


async def test_a_resumed_session_loads_only_the_capped_history(
    fake: FakeOpenAI, store: Store
) -> None:
    session = model_session(fake, store, max_history_messages=1000)
    for i in range(12):
        await run(session, f"message {i}")
    backend = OpenAICompatBackend(model="m", api_key="k", base_url=fake.base_url)
    resumed = TutorSession(
        backend,
        store=store,
        session_id=session.id,
        limits=Limits(max_history_messages=8, history_turns=4),
    )
    assert len(resumed.history) <= 8 and isinstance(resumed.history[0], HumanMessage)
    assert resumed.history[-1].text == "You said: message 11"


# -- live sessions in a server -----------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def offline_factory(store: Store) -> Callable[[str | None], TutorSession]:
    backend = OfflineBackend()
    return lambda sid: TutorSession(backend, store=store, session_id=sid)


async def test_idle_sessions_leave_memory_and_resume_from_the_store(store: Store) -> None:
    clock = Clock()
    registry = SessionRegistry(offline_factory(store), idle_seconds=60, clock=clock)
    first = registry.get(None)
    await run(first, "/next")
    await run(first, "/quiz")
    await run(first, "Product, I think")  # an answer, graded and stored

    clock.now += 61
    registry.get(None)  # any request sweeps idle sessions
    assert first.id not in registry and len(registry) == 1

    back = registry.get(first.id)
    assert back is not first and back.id == first.id
    assert back.guided_step == first.guided_step == 1
    assert back.quiz_state == first.quiz_state and back.quiz_state.history
    # The conversation continues where it was, as the model saw it: the learner's answer, the
    # grading call and its result — the verdict and hint, never the explanation or the key.
    assert [type(m).__name__ for m in back.history] == [type(m).__name__ for m in first.history]
    answer = max(i for i, m in enumerate(back.history) if m.text == "Product, I think")
    graded = back.history[answer + 2]
    assert graded.type == "tool" and graded.name == "grade_quiz_answer"
    assert '"verdict"' in graded.text and "explanation" not in graded.text


async def test_a_session_in_use_does_not_expire(store: Store) -> None:
    clock = Clock()
    registry = SessionRegistry(offline_factory(store), idle_seconds=60, clock=clock)
    learner = registry.get(None)
    for _ in range(5):
        clock.now += 50
        assert registry.get(learner.id) is learner


def test_live_sessions_are_capped_least_recently_used_first(store: Store) -> None:
    registry = SessionRegistry(offline_factory(store), max_live=3)
    a, b, c = (registry.get(None) for _ in range(3))
    registry.get(a.id)  # a is used again: b is now the oldest
    registry.get(None)
    assert b.id not in registry and a.id in registry and c.id in registry


def test_two_requests_resuming_one_learner_share_one_session(store: Store) -> None:
    sid = store.create_session()
    both_inside = threading.Barrier(2, timeout=10)
    backend = OfflineBackend()

    def slow_factory(session_id: str | None) -> TutorSession:
        session = TutorSession(backend, store=store, session_id=session_id)
        both_inside.wait()  # both requests are resuming at the same time
        return session

    registry = SessionRegistry(slow_factory)
    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(registry.get, [sid, sid]))
    assert got[0] is got[1] and len(registry) == 1
