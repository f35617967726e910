"""Grounded on any model, over HTTP: the real openai client against loopback fake servers that
behave like strict, small or quirky real ones, and respx for the exact request shape."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from pydantic import BaseModel
from support.fake_openai import FakeOpenAI, Reply, Strictness, learner_words

from tests.conftest import chunk, sse
from tutor.backends.openai_compat import OpenAICompatBackend
from tutor.cli.chat import print_turn
from tutor.content.pack import load_pack
from tutor.engine import Limits, TutorSession
from tutor.engine.events import Event, Notice, ToolFinished, TurnDone
from tutor.errors import StructuredOutputError
from tutor.store import Store

STEPS = [s.prompt for s in load_pack().steps]
DEMO_LINE = "Product + Data Scientist -> Data Engineer"
BASE = "http://llm.test/v1"


def session_on(fake: FakeOpenAI, store: Store | None = None, **limits: Any) -> TutorSession:
    backend = OpenAICompatBackend(
        model="m", api_key="k", base_url=fake.base_url, timeout=10, max_retries=0, max_tokens=256
    )
    return TutorSession(backend, store=store, limits=Limits(**limits))


async def run(session: TutorSession, text: str) -> list[Event]:
    return [event async for event in session.send(text)]


def done(events: list[Event]) -> TurnDone:
    assert isinstance(events[-1], TurnDone)
    return events[-1]


def small_model(request: dict[str, Any]) -> Reply:
    """Like a small local model: never calls a tool, explains whatever it was last sent."""
    last = request["messages"][-1]
    if last["role"] == "tool":
        return Reply(text="The output above shows where ownership changes hands.")
    return Reply(text=f"About: {learner_words(request)[:40]}")


def assert_one_system_first(requests: list[dict[str, Any]]) -> None:
    for request in requests:
        roles = [m["role"] for m in request["messages"]]
        assert roles[0] == "system" and roles.count("system") == 1


@pytest.fixture
def strict() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(small_model, strict=Strictness(system_first=True)) as server:
        yield server


async def test_a_strict_template_server_answers_all_three_steps_with_the_real_facts(
    strict: FakeOpenAI,
) -> None:
    session = session_on(strict)
    texts = []
    for prompt in STEPS:
        events = await run(session, prompt)
        assert done(events).status == "complete", [e for e in events if isinstance(e, Notice)]
        texts.append(done(events).text)
    assert strict.refused == [] and len(strict.requests) == 3
    assert_one_system_first(strict.requests)
    assert DEMO_LINE in texts[1]
    assert "on-call" in texts[2].lower() and "| Owner" in texts[2]
    assert all(r["max_tokens"] == 256 for r in strict.requests)
    assert session.guided_step == 3


def tool_call_text(request: dict[str, Any]) -> Reply:
    """A small model that writes its tool call as text, and explains the result after."""
    if request["messages"][-1]["role"] == "tool":
        return Reply(text="Graded, see above.")
    said = learner_words(request)
    if said.startswith("Answer:"):
        call = {"name": "grade_quiz_answer", "arguments": {"question_id": "x", "answer": said}}
        return Reply(text=f"<tool_call>\n{json.dumps(call)}\n</tool_call>")
    return Reply(text='Let me check.\n{"name": "run_handoff_demo", "arguments": {}}')


async def test_tool_calls_written_as_text_run_and_never_reach_the_learner_or_the_terminal(
    tmp_path,
) -> None:
    with FakeOpenAI(tool_call_text) as fake:
        store = Store(tmp_path / "t.db")
        session = session_on(fake, store)
        out = io.StringIO()
        await print_turn(session, "What breaks between the stages?", out)
    terminal = out.getvalue()
    assert DEMO_LINE in terminal and '"name"' not in terminal and "tool_call" not in terminal
    stored = " ".join(r.content for r in store.transcript(session.id))  # what the web shows
    assert DEMO_LINE in stored and '"arguments"' not in stored
    assert fake.requests[1]["messages"][-1]["role"] == "tool"


async def test_tool_calls_written_as_text_never_reach_the_web_chat() -> None:
    from tutor.web.view import ChatView

    with FakeOpenAI(tool_call_text) as fake:
        session = session_on(fake)
        view = ChatView()
        view.user("What breaks between the stages?")
        async for event in session.send("What breaks between the stages?"):
            view.apply(event)
    shown = " ".join(str(m["content"]) for m in view.snapshot(busy=False))
    assert DEMO_LINE in shown and "tool_call" not in shown and '"arguments"' not in shown


async def test_a_quiz_answer_graded_through_a_written_tool_call() -> None:
    with FakeOpenAI(tool_call_text) as fake:
        session = session_on(fake)
        await run(session, "/quiz")
        events = await run(session, "Answer: the SRE")
    [grade] = [e for e in events if isinstance(e, ToolFinished)]
    assert grade.name == "grade_quiz_answer"  # run (its id error goes back to the model)
    assert "tool_call" not in done(events).text and '"arguments"' not in done(events).text


async def test_a_server_that_rejects_stream_options_is_asked_again_and_remembered() -> None:
    with FakeOpenAI(strict=Strictness(no_stream_options=True)) as fake:
        session = session_on(fake)
        first = await run(session, "hello")
        second = await run(session, "again")
    assert done(first).text == "You said: hello" and done(second).text == "You said: again"
    assert len(fake.refused) == 1 and len(fake.requests) == 2
    assert all("stream_options" not in r for r in fake.requests)


async def test_a_server_that_rejects_tools_gets_engine_run_tools_as_text_and_says_so_once() -> None:
    with FakeOpenAI(small_model, strict=Strictness(no_tools=True)) as fake:
        session = session_on(fake)
        first = await run(session, STEPS[0])
        second = await run(session, STEPS[1])
    notices = [e for e in first + second if isinstance(e, Notice)]
    assert [n.kind for n in notices] == ["no_tools"]
    assert done(second).status == "complete" and DEMO_LINE in done(second).text
    assert len(fake.refused) == 1 and not session.backend.profile.supports_tools
    last = fake.requests[-1]
    assert "tools" not in last and {m["role"] for m in last["messages"]} == {
        "system",
        "user",
        "assistant",
    }
    assert DEMO_LINE in last["messages"][-1]["content"]  # the result, as a delimited block
    assert "<tutor-tool-results>" in last["messages"][-1]["content"]


async def test_a_model_repeating_one_line_forever_is_stopped_with_the_partial_kept() -> None:
    line = "The SRE owns on-call and the data scientist owns the model.\n"
    with FakeOpenAI() as fake:
        fake.script.append(Reply(repeat=line, chunk_delay=0.001))
        session = session_on(fake)
        events = await run(session, "roles?")
    # Stopped early; the lesson's answer goes on top, the loop's start kept below it.
    assert done(events).status == "complete" and line.strip() in done(events).text
    assert "started repeating itself" in done(events).text
    assert not [e for e in events if isinstance(e, Notice)]
    assert done(events).text.count(line.strip()) < 10


async def test_finish_stop_with_tool_calls_and_whole_calls_without_index_all_run() -> None:
    calls = [
        {"id": "a", "name": "run_handoff_demo", "arguments": "{}"},
        {"id": "b", "name": "ask_quiz_question", "arguments": "{}"},
    ]
    with FakeOpenAI() as fake:
        fake.script += [
            Reply(tool_calls=calls, finish_reason="stop", whole_tool_calls=True),
            Reply(text="Both done."),
        ]
        events = await run(session_on(fake), "go")
    ran = [e.name for e in events if isinstance(e, ToolFinished)]
    assert ran == ["run_handoff_demo", "ask_quiz_question"]
    assert done(events).status == "complete" and done(events).text.endswith("Both done.")


def test_whole_tool_calls_without_index_are_not_merged() -> None:
    from tutor.backends.openai_compat import ToolCallIndexer, to_chunk

    indexer = ToolCallIndexer()
    pieces = [
        {"id": "a", "function": {"name": "x", "arguments": "{}"}},
        {"id": "b", "function": {"name": "y", "arguments": "{}"}},
    ]
    got = [
        to_chunk({"choices": [{"delta": {"tool_calls": [p]}}]}, indexer).tool_call_chunks[0]
        for p in pieces
    ]
    assert [c["index"] for c in got] == [0, 1]


# -- respx: the exact request ---------------------------------------------------------------


def respx_backend(**kwargs: Any) -> OpenAICompatBackend:
    return OpenAICompatBackend(
        model="m",
        api_key="k",
        base_url=BASE,
        max_retries=0,
        http_client=httpx.AsyncClient(),
        **kwargs,
    )


@respx.mock(base_url=BASE)
async def test_every_request_has_exactly_one_system_message_at_index_0(
    respx_mock: respx.MockRouter,
) -> None:
    call = {
        "index": 0,
        "id": "c1",
        "type": "function",
        "function": {"name": "run_handoff_demo", "arguments": "{}"},
    }
    bodies = [
        sse(chunk({"content": "One."}), chunk({}, "stop")),
        sse(chunk({"tool_calls": [call]}), chunk({}, "tool_calls")),
        sse(chunk({"content": "Explained."}), chunk({}, "stop")),
    ]
    route = respx_mock.post("/chat/completions").mock(
        side_effect=[
            httpx.Response(200, text=b, headers={"content-type": "text/event-stream"})
            for b in bodies
        ]
    )
    session = TutorSession(respx_backend(max_tokens=300))
    await run(session, "hello")
    await run(session, "go on")
    sent = [json.loads(c.request.content) for c in route.calls]
    assert len(sent) == 3
    for request in sent:
        roles = [m["role"] for m in request["messages"]]
        assert roles[0] == "system" and roles.count("system") == 1
        assert request["max_tokens"] == 300
    assert sent[2]["messages"][-1]["role"] == "tool"


class Grade(BaseModel):
    verdict: str


@respx.mock(base_url=BASE)
async def test_complete_json_falls_back_from_json_schema_and_validates(
    respx_mock: respx.MockRouter,
) -> None:
    reply = {
        "choices": [{"index": 0, "message": {"role": "assistant", "content": '{"verdict": "ok"}'}}]
    }
    refused = httpx.Response(
        400, json={"error": {"message": "response_format json_schema unsupported"}}
    )
    route = respx_mock.post("/chat/completions").mock(
        side_effect=[refused, httpx.Response(200, json=reply), httpx.Response(200, json=reply)]
    )
    backend = respx_backend()
    assert await backend.complete_json("be strict", "grade", Grade) == Grade(verdict="ok")
    assert await backend.complete_json("be strict", "grade", Grade) == Grade(verdict="ok")
    formats = [
        json.loads(c.request.content).get("response_format", {}).get("type") for c in route.calls
    ]
    assert formats == ["json_schema", "json_object", "json_object"]  # remembered


@respx.mock(base_url=BASE)
async def test_complete_json_raises_structured_output_error_on_prose(
    respx_mock: respx.MockRouter,
) -> None:
    reply = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "It is fine."}}]}
    respx_mock.post("/chat/completions").mock(return_value=httpx.Response(200, json=reply))
    with pytest.raises(StructuredOutputError):
        await respx_backend().complete_json("s", "u", Grade)


def test_surfaces_read_the_profile() -> None:
    local = OpenAICompatBackend(model="m", api_key="k", base_url="http://localhost:1/v1")
    assert local.profile.supports_tools and not local.profile.offline
