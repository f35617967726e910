"""Provider and tool faults: each ends the turn with a specific notice, keeps any partial answer
marked as cut off, stores the turn, and leaves the session usable for the next message.

The model is the loopback fake server (tests/support/fake_openai.py) behind the real openai client
and its default transport; a few cases go through respx with an injected httpx client instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from support.fake_openai import FakeOpenAI, Reply
from support.function_backend import FunctionBackend, Scripted, script

from tests.conftest import chunk, sse
from tutor.backends.openai_compat import OpenAICompatBackend
from tutor.engine import CUT_OFF_MARK, Limits, TutorSession
from tutor.engine.events import Event, Notice, TextDelta, ToolFinished, ToolStarted, TurnDone
from tutor.runtime import build_runtime
from tutor.store import Store

KEY = "sk-faults-SENTINEL-0123456789"
LONG = "Data scientists build the model and ML engineers productionize it for serving."


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:  # answers "You said: ..." unless scripted
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "faults.db") as db:
        yield db


def model_session(
    fake: FakeOpenAI, store: Store | None = None, *, timeout: float = 10.0, **limits: Any
) -> TutorSession:
    """A session on the fake model; no client retries, so each reply is one request."""
    backend = OpenAICompatBackend(
        model="fake", api_key=KEY, base_url=fake.base_url, timeout=timeout, max_retries=0
    )
    return TutorSession(backend, store=store, limits=Limits(secrets=(KEY,), **limits))


async def run(session: TutorSession, text: str) -> list[Event]:
    return [event async for event in session.send(text)]


def notices(events: list[Event]) -> list[Notice]:
    return [e for e in events if isinstance(e, Notice)]


def done(events: list[Event]) -> TurnDone:
    assert isinstance(events[-1], TurnDone)
    return events[-1]


def stored(store: Store, session: TutorSession) -> list[tuple[str, str, str]]:
    """(role, status, content) of the session's stored messages."""
    return [(r.role, r.status, r.content) for r in store.transcript(session.id)]


def assert_history_valid(request: dict[str, Any]) -> None:
    """Every tool call in a request has its result right after it (providers reject less)."""
    messages = request["messages"]
    for index, message in enumerate(messages):
        for call in message.get("tool_calls") or []:
            results = []
            for later in messages[index + 1 :]:
                if later["role"] != "tool":
                    break
                results.append(later["tool_call_id"])
            assert call["id"] in results, f"tool call {call['id']} has no result"


async def assert_recovers(session: TutorSession, fake: FakeOpenAI) -> None:
    """The next message gets a normal answer, on a history the provider accepts."""
    fake.script.clear()
    events = await run(session, "are you back?")
    assert done(events).status == "complete" and done(events).text == "You said: are you back?"
    assert not notices(events)
    assert_history_valid(fake.requests[-1])


# -- faults of the model provider -------------------------------------------------------------

FAULTS = [
    # (reply, notice kind, words the notice must contain, partial answer kept)
    (Reply(fault="status", status=500), "server", "(500)", False),
    (Reply(fault="status", status=503), "server", "(503)", False),
    (Reply(fault="status", status=401), "auth", "OPENAI_API_KEY", False),
    (Reply(text=LONG, fault="cut"), "cut_off", "stopped midway", True),
    (Reply(text=LONG, fault="reset"), "cut_off", "stopped midway", True),
    (Reply(text=LONG, fault="garbage"), "provider", "could not read", True),
    (
        Reply(text=LONG, fault="error_event", body={"error": {"message": "overloaded"}}),
        "provider",
        "overloaded",
        True,
    ),
    (Reply(text=LONG, finish_reason="content_filter"), "content_filter", "content filter", True),
    (Reply(text=""), "empty_reply", "empty answer", False),
]


@pytest.mark.parametrize(
    ("reply", "kind", "words", "partial"),
    FAULTS,
    ids=[f"{f[0].fault or f[0].finish_reason or 'empty'}-{f[0].status}" for f in FAULTS],
)
async def test_provider_fault_ends_the_turn_clearly_and_the_session_recovers(
    fake: FakeOpenAI, store: Store, reply: Reply, kind: str, words: str, partial: bool
) -> None:
    session = model_session(fake, store)
    fake.script.append(reply)

    events = await run(session, "who owns what?")

    [notice] = notices(events)
    assert notice.kind == kind and words in notice.message
    turn = done(events)
    if partial:
        # What the learner saw is kept, and marked so nobody mistakes it for a full answer.
        assert turn.status == "cut_off" and turn.text.endswith(CUT_OFF_MARK)
        shown = turn.text.removesuffix(CUT_OFF_MARK)
        assert shown and LONG.startswith(shown)
    else:
        assert turn.status == "error" and turn.text == ""
    assert stored(store, session) == [
        ("user", turn.status, "who owns what?"),
        ("assistant", turn.status, turn.text),
    ]
    meta = store.transcript(session.id)[-1].meta
    assert meta["notice"]["kind"] == kind
    await assert_recovers(session, fake)


async def test_a_reply_cut_at_the_length_limit_is_answered_from_the_lesson(
    fake: FakeOpenAI, store: Store
) -> None:
    """The length limit ends a rambling reply: the lesson's answer goes on top, the model's
    words are kept below it, and the turn is complete (stored so) — never worse than offline."""
    session = model_session(fake, store)
    fake.script.append(Reply(text=LONG, finish_reason="length"))
    events = await run(session, "who owns what?")
    turn = done(events)
    assert not notices(events) and turn.status == "complete"
    assert "ran past the answer length limit" in turn.text and LONG[:40] in turn.text
    assert stored(store, session)[-1][:2] == ("assistant", "complete")
    await assert_recovers(session, fake)


async def test_a_chunk_with_empty_choices_is_skipped(fake: FakeOpenAI, store: Store) -> None:
    session = model_session(fake, store)
    fake.script.append(Reply(text=LONG, fault="empty_choices"))
    events = await run(session, "roles?")
    assert not notices(events)
    assert done(events).text == LONG and done(events).status == "complete"
    assert [s for _, s, _ in stored(store, session)] == ["complete", "complete"]


async def test_a_silent_model_times_out_after_tutor_request_timeout(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("TUTOR_REQUEST_TIMEOUT", "0.2")
    runtime = build_runtime(db=tmp_path / "t.db")
    session = runtime.session()
    # The client's retry budget (2) applies to timeouts too: three silent attempts.
    fake.script += [Reply(fault="hang")] * 3

    events = await run(session, "hello?")

    [notice] = notices(events)
    assert notice.kind == "timeout" and "TUTOR_REQUEST_TIMEOUT" in notice.message
    assert done(events).status == "error" and fake.request_count == 3
    assert [s for _, s, _ in stored(runtime.store, session)] == ["error", "error"]
    await assert_recovers(session, fake)
    await runtime.aclose()


async def test_a_429_with_retry_after_is_retried_within_the_budget(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    runtime = build_runtime(db=tmp_path / "t.db")  # the default client: max_retries=2
    fake.script.append(Reply(fault="status", status=429, headers={"retry-after": "0"}))

    events = await run(runtime.session(), "hello")

    assert not notices(events)
    assert done(events).text == "You said: hello" and done(events).status == "complete"
    assert fake.request_count == 2
    await runtime.aclose()


async def test_429s_past_the_retry_budget_end_in_the_rate_limit_notice(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    runtime = build_runtime(db=tmp_path / "t.db")
    session = runtime.session()
    # retry-after-ms keeps the test quick; the client honours it like retry-after.
    limited = Reply(fault="status", status=429, headers={"retry-after-ms": "5"})
    fake.script += [limited] * 3

    events = await run(session, "hello")

    [notice] = notices(events)
    assert notice.kind == "rate_limit" and "Wait a moment" in notice.message
    assert done(events).status == "error" and fake.request_count == 3
    await assert_recovers(session, fake)
    await runtime.aclose()


async def test_a_long_retry_after_is_passed_on_to_the_learner(
    fake: FakeOpenAI, store: Store
) -> None:
    session = model_session(fake, store)
    fake.script.append(Reply(fault="status", status=429, headers={"retry-after": "30"}))
    [notice] = notices(await run(session, "hello"))
    assert notice.kind == "rate_limit" and "wait 30 s" in notice.message


async def test_connection_refused_is_a_notice_and_the_turn_is_stored(store: Store) -> None:
    with FakeOpenAI() as gone:
        base_url = gone.base_url
    backend = OpenAICompatBackend(model="m", api_key=KEY, base_url=base_url, max_retries=0)
    session = TutorSession(backend, store=store)
    events = await run(session, "hello")
    [notice] = notices(events)
    assert notice.kind == "connection" and "OPENAI_BASE_URL" in notice.message
    assert [s for _, s, _ in stored(store, session)] == ["error", "error"]
    assert session.history == []  # a retry starts clean


# -- the same through respx (an injected httpx client) ----------------------------------------

BASE = "http://llm.test/v1"


def respx_session(store: Store) -> TutorSession:
    backend = OpenAICompatBackend(
        model="m", api_key=KEY, base_url=BASE, max_retries=0, http_client=httpx.AsyncClient()
    )
    return TutorSession(backend, store=store)


class BrokenStream(httpx.AsyncByteStream):
    """A body that sends its first chunks, then the connection breaks."""

    def __init__(self, *parts: bytes) -> None:
        self.parts = parts

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            yield part
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


async def test_a_transport_error_midway_keeps_the_partial_answer(store: Store) -> None:
    body = sse(chunk({"content": "Data scientists "}), chunk({"content": "build models"}))
    broken = BrokenStream(body.removesuffix("data: [DONE]\n\n").encode())
    with respx.mock(base_url=BASE) as mock:
        mock.post("/chat/completions").mock(
            side_effect=[
                httpx.Response(200, stream=broken, headers={"content-type": "text/event-stream"}),
                httpx.Response(
                    200,
                    text=sse(chunk({"content": "Back."}), chunk(finish="stop")),
                    headers={"content-type": "text/event-stream"},
                ),
            ]
        )
        session = respx_session(store)
        events = await run(session, "roles?")
        again = await run(session, "again")
    [notice] = notices(events)
    assert notice.kind == "cut_off"
    assert done(events).text == "Data scientists build models" + CUT_OFF_MARK
    assert done(again).text == "Back." and done(again).status == "complete"


async def test_a_stream_without_finish_reason_is_cut_off(store: Store) -> None:
    body = sse(chunk({"content": "Data scientists "}))  # [DONE] but never a finish_reason
    with respx.mock(base_url=BASE) as mock:
        mock.post("/chat/completions").mock(
            return_value=httpx.Response(
                200, text=body, headers={"content-type": "text/event-stream"}
            )
        )
        events = await run(respx_session(store), "roles?")
    assert notices(events)[0].kind == "cut_off" and done(events).status == "cut_off"


# -- faults in tool calls ---------------------------------------------------------------------


def tool_call(name: str, arguments: str) -> Reply:
    return Reply(tool_calls=[{"id": "call_x", "name": name, "arguments": arguments}])


TOOL_FAULTS = [
    (tool_call("run_handoff_demo", '{"lifecycle": [{"stage": '), "not valid JSON"),
    (tool_call("run_handoff_demo", '["not", "an", "object"]'), "must be a JSON object"),
    (tool_call("allocate_team", '{"people": "three of us"}'), "invalid arguments"),
    (tool_call("launch_rockets", "{}"), "no tool named 'launch_rockets'"),
]


@pytest.mark.parametrize(
    ("reply", "words"), TOOL_FAULTS, ids=["json", "array", "schema", "unknown"]
)
async def test_a_bad_tool_call_goes_back_to_the_model_as_an_error(
    fake: FakeOpenAI, store: Store, reply: Reply, words: str
) -> None:
    session = model_session(fake, store)
    fake.script += [reply, Reply(text="Sorry, let me answer directly.")]

    events = await run(session, "show me")

    [finished] = [e for e in events if isinstance(e, ToolFinished)]
    assert not finished.ok and words in finished.output
    tool_result = fake.requests[1]["messages"][-1]  # the context note is in the user turn
    assert tool_result["role"] == "tool" and words in tool_result["content"]
    assert done(events).text == "Sorry, let me answer directly."
    assert [s for _, s, _ in stored(store, session)] == ["complete", "complete"]
    await assert_recovers(session, fake)


async def test_a_tool_that_raises_is_reported_not_fatal(
    fake: FakeOpenAI, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_allocator(team: object) -> object:
        raise RuntimeError("allocator bug")

    monkeypatch.setattr("tutor.tools.registry.allocate", broken_allocator)
    session = model_session(fake, store)
    people = json.dumps({"people": [{"name": "Ana", "roles": ["data scientist"]}]})
    fake.script += [tool_call("allocate_team", people), Reply(text="The planner failed.")]

    events = await run(session, "allocate my team")

    [finished] = [e for e in events if isinstance(e, ToolFinished)]
    assert not finished.ok and "failed (RuntimeError)" in finished.output
    assert "allocator bug" not in finished.output  # internals stay out of the chat
    assert done(events).status == "complete"
    await assert_recovers(session, fake)


async def test_a_model_that_keeps_calling_tools_is_stopped_at_the_round_limit(
    fake: FakeOpenAI, store: Store
) -> None:
    session = model_session(fake, store, max_tool_rounds=2)
    looping = Reply(text="Checking. ", tool_calls=[{"name": "run_handoff_demo", "arguments": "{}"}])
    fake.script += [looping] * 3

    events = await run(session, "loop")

    assert sum(isinstance(e, ToolStarted) for e in events) == 2 and fake.request_count == 3
    [notice] = notices(events)
    assert notice.kind == "tool_rounds" and "2 rounds" in notice.message
    assert done(events).status == "cut_off" and done(events).text.endswith(CUT_OFF_MARK)
    assert [s for _, s, _ in stored(store, session)] == ["cut_off", "cut_off"]
    await assert_recovers(session, fake)


# -- turns that stop for reasons of the tutor's own ------------------------------------------


async def test_a_learner_who_leaves_mid_answer_leaves_an_interrupted_turn(
    fake: FakeOpenAI, store: Store
) -> None:
    session = model_session(fake, store)
    fake.script.append(Reply(text=LONG))
    stream = session.send("roles?")
    async for event in stream:
        if isinstance(event, TextDelta):
            break  # the page was closed after the first words
    await stream.aclose()

    assert [s for _, s, _ in stored(store, session)] == ["interrupted", "interrupted"]
    reply = store.transcript(session.id)[-1]
    # The partial text is kept as it was shown; the notice (placed after it) says what happened.
    assert LONG.startswith(reply.content.strip()) and reply.content
    assert reply.meta["notice"]["kind"] == "interrupted"
    assert "Retry" in reply.meta["notice"]["message"]
    assert session.can_retry and session.retry_text == "roles?"
    await assert_recovers(session, fake)


async def test_leaving_between_a_tool_call_and_its_result_keeps_the_history_valid(
    fake: FakeOpenAI, store: Store
) -> None:
    session = model_session(fake, store)
    fake.script.append(tool_call("run_handoff_demo", "{}"))
    stream = session.send("demo")
    async for event in stream:
        if isinstance(event, ToolStarted):
            break  # the tool has not run yet
    await stream.aclose()

    await assert_recovers(session, fake)  # includes: every tool call has a result


async def test_an_unexpected_error_costs_one_answer_not_the_session(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    backend = FunctionBackend(
        script(
            Scripted("Half an ans", error=RuntimeError(f"bug near {KEY}")), Scripted("Fine again.")
        )
    )
    session = TutorSession(backend, store=store, limits=Limits(secrets=(KEY,)))
    with caplog.at_level(logging.ERROR, logger="tutor"):
        events = await run(session, "hi")

    [notice] = notices(events)
    assert notice.kind == "internal" and "send your message again" in notice.message
    assert done(events).text == "Half an ans " + CUT_OFF_MARK
    assert [s for _, s, _ in stored(store, session)] == ["cut_off", "cut_off"]
    # The traceback is logged for the operator, with the key redacted.
    assert "RuntimeError: bug near [redacted]" in caplog.text and KEY not in caplog.text
    assert done(await run(session, "again")).text == "Fine again. "
